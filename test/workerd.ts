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

/** workerd bindings (capnp) for the config's `vars`: strings as text, anything else as JSON — what wrangler does. */
export function bindingsFromVars(vars: unknown): string {
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) return '';
  return Object.entries(vars as Record<string, unknown>)
    .map(([name, value]) => (typeof value === 'string' ? `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})` : `(name = ${JSON.stringify(name)}, json = ${JSON.stringify(JSON.stringify(value))})`))
    .join(', ');
}

export interface WorkerdService {
  /** Names the service and its socket: letters, digits and dashes. */
  name: string;
  projectPath: string;
  /** capnp bindings; default: the config's `vars`. */
  bindings?: string;
}

/**
 * A folder with one config serving several projects, each as its own service on its own socket (`<name>`): one
 * workerd process for many workers. A bundle without exports is loaded as a service-worker script.
 */
export async function prepareWorkerdServices(services: WorkerdService[]): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-workerd-'));
  const workers: string[] = [];
  await Promise.all(
    services.map(async (service, i) => {
      const project = resolveWorkerProject(service.projectPath);
      const { code } = await bundleWorker(project.entry, project.root, 1);
      const file = `worker-${i}.js`;
      writeFileSync(path.join(dir, file), code);
      const isModule = /^export\s*\{|^export default/m.test(code);
      const flags = project.config?.compatibility_flags ?? [];
      workers[i] = `const w${i} :Workerd.Worker = (
  ${isModule ? `modules = [ (name = "worker.js", esModule = embed "${file}") ]` : `serviceWorkerScript = embed "${file}"`},
  compatibilityDate = "${project.config?.compatibility_date ?? '2026-10-01'}",
  compatibilityFlags = [ ${flags.map((f) => JSON.stringify(f)).join(', ')} ],
  bindings = [ ${service.bindings ?? bindingsFromVars(project.config?.raw.vars)} ],
);`;
    }),
  );
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ ${services.map((s, i) => `(name = "${s.name}", worker = .w${i})`).join(', ')} ],
  sockets = [ ${services.map((s) => `(name = "${s.name}", http = (), service = "${s.name}")`).join(', ')} ],
);
${workers.join('\n')}
`,
  );
  return dir;
}

/** Serves a folder from prepareWorkerdServices with one workerd process; `urls` maps each service name to its socket. */
export async function serveWorkerdServices(dir: string, names: string[]): Promise<{ urls: Map<string, string>; pid: number | undefined; stop(): Promise<void> }> {
  const servers = await Promise.all(
    names.map(async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const fds = servers.map((server) => (server as unknown as { _handle: { fd: number } })._handle.fd);
  const child: ChildProcess = spawn(WORKERD, ['serve', path.join(dir, 'config.capnp'), ...names.flatMap((name, i) => ['--socket-fd', `${name}=${i + 3}`])], {
    stdio: ['ignore', 'ignore', 'inherit', ...fds],
  });
  const urls = new Map(names.map((name, i) => [name, `http://127.0.0.1:${(servers[i]!.address() as net.AddressInfo).port}`]));
  for (const server of servers) server.close();
  return {
    urls,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
