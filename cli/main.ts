/**
 * `worker-studio` — one CLI over the same code the extension runs:
 *   dev [PATH | -c CONFIG …] [--port N] [--inspect[=PORT] | --inspect-wait[=PORT]] [--instances N] [--cpu-limit-ms N]
 *       [--memory-limit-mb N] [--idle-timeout S] [--env NAME] [--persist-to DIR | --no-persist] [--test-scheduled]
 *                                       serve a worker (the runtime sidecar, on Node >= 24)
 *   lsp --stdio                         the language server
 *   check [PATH] [--format text|json]   the language server's diagnostics, printed
 *   types [PATH] [--env NAME] [--output FILE]
 *                                       the Env type from the wrangler config, written as a .d.ts file
 * Public contract: keep these commands and their output stable.
 */
import { spawn } from 'node:child_process';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { findNode, NodeNotFoundError } from '../common/nodeRuntime.ts';
import { privateCacheDir } from '../runtime/src/cacheDir.ts';

const USAGE = `Usage:
  worker-studio dev [PATH | -c CONFIG …] [--port N] [--inspect[=PORT] | --inspect-wait[=PORT]] [--instances N]
                    [--cpu-limit-ms N] [--memory-limit-mb N] [--idle-timeout S] [--env NAME]
                    [--persist-to DIR | --no-persist] [--test-scheduled]
  worker-studio lsp --stdio
  worker-studio check [PATH] [--format text|json]
  worker-studio types [PATH] [--env NAME] [--output FILE]
  worker-studio --version`;

interface ServerModule {
  startLanguageServer(): void;
  runCheck(args: string[]): Promise<number>;
  runTypes(args: string[]): Promise<number>;
}

function loadServer(): ServerModule {
  enableCompileCache();
  // dist/server.cjs sits beside dist/cli.cjs; required lazily so `dev` never pays for loading TypeScript.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, 'server.cjs')) as ServerModule;
}

/**
 * server.cjs bundles TypeScript (10 MB of JavaScript): V8 compiling it is ~150 ms of every `lsp` and `check` start.
 * Node's module compile cache keeps the compiled code on disk, in Worker Studio's private cache folder only (cached
 * code is run: never from a folder someone else can write). Without the API (Node < 22.1) or the folder, no cache.
 */
function enableCompileCache(): void {
  const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  const dir = enable && privateCacheDir(true);
  if (enable && dir) enable(path.join(dir, 'node-compile-cache'));
}

/** Runs the sidecar (dist/runtime.cjs) on a Node >= 24 with the flags isolated-vm needs; resolves to its exit code. */
async function dev(args: string[]): Promise<number> {
  let node;
  try {
    node = await findNode();
  } catch (err) {
    if (err instanceof NodeNotFoundError) {
      console.error(`worker-studio: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const child = spawn(node.path, ['--no-node-snapshot', path.join(__dirname, 'runtime.cjs'), ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      // A shell's convention for a child ended by a signal: 128 + its number (SIGKILL 137, SIGSEGV 139, SIGTERM 143).
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dev':
      return dev(rest);
    case 'lsp':
      loadServer().startLanguageServer();
      return new Promise<number>(() => {}); // serves until the client closes the connection (the server exits the process)
    case 'check':
      return loadServer().runCheck(rest);
    case 'types':
      return loadServer().runTypes(rest);
    case '--version':
    case '-v':
      console.log(VERSION);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`worker-studio: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

declare const VERSION: string;
