// Parity with the real runtime: the same requests against `worker-studio dev` and against workerd (the oracle),
// running the same esbuild bundle, must give the same status, content-type and body bytes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveWorkerProject } from '../../common/workerProject.ts';
import { bundleWorker } from '../../runtime/src/bundler.ts';
import { ensureRuntimeBuilt, fixture, repoRoot, startDev, type DevProcess } from './helpers.ts';

const WORKERD = path.join(repoRoot, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');

interface Oracle {
  url: string;
  stop(): Promise<void>;
}

/** Runs the project's bundle under workerd, on a socket we already listen on (no waiting for it to bind). */
async function startWorkerd(projectPath: string, bindings: string): Promise<Oracle> {
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
  compatibilityDate = "${project.config?.compatibility_date ?? '2026-11-01'}",
  bindings = [ ${bindings} ],
);
`,
  );
  // A listening socket handed over as fd 3: requests queue in its backlog until workerd accepts them.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const child: ChildProcess = spawn(WORKERD, ['serve', path.join(dir, 'config.capnp'), '--socket-fd', 'http=3'], { stdio: ['ignore', 'ignore', 'inherit', fd] });
  server.close();
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Observed {
  status: number;
  statusText: string;
  headers: string[];
  contentType: string | null;
  setCookie: string[];
  body: string;
}

async function observe(base: string, pathname: string, init: RequestInit = {}): Promise<Observed> {
  const res = await fetch(base + pathname, { ...init, headers: { 'user-agent': 'parity/1', ...(init.headers as Record<string, string>) } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, statusText: res.statusText, headers: [...res.headers.keys()].filter((k) => !['date', 'connection', 'keep-alive'].includes(k)), contentType: res.headers.get('content-type'), setCookie: res.headers.getSetCookie(), body: bytes.toString('base64') };
}

function parity(name: string, projectPath: string, bindings: string, requests: [string, RequestInit?][]): void {
  describe(`parity with workerd: ${name}`, () => {
    let dev: DevProcess;
    let oracle: Oracle;
    before(async () => {
      ensureRuntimeBuilt();
      [dev, oracle] = await Promise.all([startDev([projectPath, '--port', '0']), startWorkerd(projectPath, bindings)]);
    });
    after(async () => {
      await Promise.all([dev?.stop(), oracle?.stop()]);
    });
    for (const [pathname, init] of requests) {
      test(`${init?.method ?? 'GET'} ${pathname}`, async () => {
        const [ours, theirs] = await Promise.all([observe(dev.url, pathname, init), observe(oracle.url, pathname, init)]);
        assert.deepEqual(ours, theirs);
      });
    }
  });
}

parity('examples/hello', path.join(repoRoot, 'examples/hello'), '', [['/'], ['/x?y=1&z=%C3%A9'], ['/a/b/../c?q=a+b&q=2#frag']]);

parity('runtime-headers', fixture('runtime-headers'), '(name = "GREETING", text = "hi"), (name = "LIMITS", json = "{\\"max\\": 3}")', [
  ['/echo', { method: 'POST', body: 'héllo', headers: { 'x-custom': 'abc' } }],
  ['/cookies'],
  ['/env'],
  ['/json', { method: 'POST', body: '{"n": 21}' }],
  ['/missing'],
]);
