// workerd, Cloudflare's real runtime, as the oracle: runs a project's esbuild bundle (the same one our runtime runs)
// under `workerd serve`. Used by the parity tests and the startup benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolveWorkerProject } from '../common/workerProject.ts';
import { bundleWorker } from '../runtime/src/bundler.ts';
import { repoRoot } from './repo.ts';

export const WORKERD = path.join(repoRoot, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');

export interface Oracle {
  url: string;
  stop(): Promise<void>;
}

/** A folder holding the project's bundle and a workerd config for it. */
export async function prepareWorkerd(projectPath: string, bindings = ''): Promise<string> {
  const project = resolveWorkerProject(projectPath);
  const { code } = await bundleWorker(project.entry, project.root, 1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-workerd-'));
  writeFileSync(path.join(dir, 'worker.js'), code);
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${project.config?.compatibility_date ?? '2026-10-01'}",
  bindings = [ ${bindings} ],
);
`,
  );
  return dir;
}

/** Serves a prepared folder with workerd, on a socket we already listen on (requests queue until workerd accepts). */
export async function serveWorkerd(dir: string): Promise<Oracle & { pid: number | undefined }> {
  // A listening socket handed over as fd 3: requests queue in its backlog until workerd accepts them.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const child: ChildProcess = spawn(WORKERD, ['serve', path.join(dir, 'config.capnp'), '--socket-fd', 'http=3'], { stdio: ['ignore', 'ignore', 'inherit', fd] });
  server.close();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

/** Runs the project's bundle under workerd; `stop` also removes the folder. */
export async function startWorkerd(projectPath: string, bindings: string): Promise<Oracle> {
  const dir = await prepareWorkerd(projectPath, bindings);
  const served = await serveWorkerd(dir);
  return {
    url: served.url,
    stop: async () => {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
