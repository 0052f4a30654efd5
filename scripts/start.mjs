// `npm start [-- PATH] [dev options]`: installs what is missing (Node 24, dependencies), builds, and serves a worker
// (examples/hello by default) with the runtime sidecar.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bootstrap, root } from './bootstrap.mjs';

bootstrap();
const args = process.argv.slice(2);
const devArgs = args.length > 0 ? args : [path.join(root, 'examples/hello')];
const child = spawn(process.execPath, [path.join(root, 'bin/worker-studio'), 'dev', ...devArgs], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
