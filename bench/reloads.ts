// `node bench/reloads.ts [N=10000] [--sidecar] [--no-forced-gc] [--memory-limit-mb M]` (Node >= 24, after
// `npm run build`): does live reload leak?
// N reloads of a worker, two requests after each (each starts an interval and a 60 s timeout that outlive it, so a
// host that kept the timers of replaced instances would show it), sampling memory 20 times along the way:
//   - default: in this process, through the runtime's own WorkerPool.reload (what a save does after the build), with
//     2 instances; samples the process RSS, the isolate's heap after a full GC (a `gc()` in the worker: the process
//     runs with --expose-gc, which V8 extends to isolates), the host's JS heap after a GC, and live Node timers;
//   - --sidecar: `worker-studio dev --rpc` on a copy of examples/hello, each reload a `runtime/reload` request
//     (rebuild with esbuild, stack maps, watcher, pool); samples the sidecar's RSS.
//   --no-forced-gc: the isolate's heap as V8 leaves it (no GC forced), to see what its own heuristics keep;
//   --memory-limit-mb M: the isolate's memory limit (default 128, as `worker-studio dev`).
// Prints the growth from the sample at 10% of the run to the end (what a leak of every reload would make grow steadily).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { activeTimers, hostGc, prelude, quantile, reexecWith, repoRoot, rssKb, turn } from './lib.ts';

reexecWith(['--no-node-snapshot', '--expose-gc']);

const args = process.argv.slice(2);
const reloads = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--memory-limit-mb') ?? 10_000);
const sidecar = args.includes('--sidecar');
const forcedGc = !args.includes('--no-forced-gc');
const limitIndex = args.indexOf('--memory-limit-mb');
const memoryLimitMb = limitIndex >= 0 ? Number(args[limitIndex + 1]) : 128;
const every = Math.max(1, Math.round(reloads / 20));

interface Sample {
  reloads: number;
  rssMb: number;
  isolateHeapMb?: number;
  hostHeapMb?: number;
  /** What V8 holds from the OS for the host's heap (used or not; the young generation grows under load). */
  hostCommittedMb?: number;
  timers?: number;
}
const samples: Sample[] = [];
const HEADER = 'reloads  RSS (MB)  isolate heap  host heap  host committed  timers';
const mb = (kb: number) => kb / 1024;
const fmt = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

function print(sample: Sample): void {
  samples.push(sample);
  console.log(
    `${String(sample.reloads).padStart(7)}  ${fmt(sample.rssMb).padStart(8)}  ${fmt(sample.isolateHeapMb, 2).padStart(12)}  ${fmt(sample.hostHeapMb, 2).padStart(9)}  ${fmt(sample.hostCommittedMb).padStart(14)}  ${String(sample.timers ?? '-').padStart(6)}`,
  );
}

/** The bench's worker, version `v`: `/gc` collects the isolate's garbage; any other path starts timers and answers. */
const workerCode = (v: number) => `
let served = 0;
const retained = [];
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/gc') {
      // Full GCs that also flush V8's caches (the compilation cache): what is left is really retained.
      for (let i = 0; i < 4; i++) globalThis.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      return new Response('gc');
    }
    served++;
    // State kept in module scope (dropped with the instance), timers that outlive the request.
    retained.push(new Array(64).fill(served));
    setInterval(() => {}, 1000);
    setTimeout(() => {}, 60_000);
    return new Response('version ${v} request ' + served, { headers: { 'x-version': '${v}' } });
  },
};
`;

async function inProcess(): Promise<void> {
  const { WorkerPool } = await import('../runtime/src/workerPool.ts');
  const url = (v: number) => `file:///bench/reload-worker.js?v=${v}`;
  const pool = await WorkerPool.create({
    instance: { prelude: prelude(), code: workerCode(0), url: url(0), env: {}, inspector: false, onLog: (level, message) => console.log(`worker ${level}: ${message}`) },
    instances: 2,
    cpuLimitMs: 30_000,
    memoryLimitMb,
    idleEvictMs: 0,
    onEvicted: (instance, reason) => {
      if (reason !== 'reloaded') console.log(`instance ${instance} evicted: ${reason}`);
    },
  });
  const get = async (pathname: string): Promise<string> => {
    const { result, served } = await pool.dispatch({ method: 'GET', url: `http://localhost${pathname}`, headers: [], body: null });
    if (!result.ok) throw new Error(result.error.stack);
    let bytes = result.response.body ?? new Uint8Array();
    if (result.response.reader) {
      const chunks: Uint8Array[] = [];
      for (let chunk; (chunk = await result.response.reader.read()) !== null; ) chunks.push(chunk);
      bytes = Buffer.concat(chunks);
    }
    served.finish();
    return Buffer.from(bytes).toString('utf8');
  };
  const sample = async (done: number) => {
    // The least of 3 rounds: now and then the contexts of a few recent reloads survive one round (a heap snapshot taken
    // right then shows only the live ones: they are held until a later task of the isolate); what leaks stays in all.
    let heap = { used_heap_size: Infinity };
    for (let round = 0; round < (forcedGc ? 3 : 0); round++) {
      await get('/gc');
      const stats = await pool.heapStatistics();
      if (stats.used_heap_size < heap.used_heap_size) heap = stats;
      await turn();
    }
    if (!forcedGc) heap = await pool.heapStatistics();
    hostGc();
    await turn();
    const host = process.memoryUsage();
    print({ reloads: done, rssMb: mb(rssKb()), isolateHeapMb: heap.used_heap_size / 2 ** 20, hostHeapMb: host.heapUsed / 2 ** 20, hostCommittedMb: host.heapTotal / 2 ** 20, timers: activeTimers() });
  };
  console.log(`${reloads} reloads through WorkerPool.reload (2 instances, 2 requests after each, memory limit ${memoryLimitMb} MB), in process ${process.pid}; isolate heap ${forcedGc ? 'after forced full GCs' : 'as V8 leaves it (no forced GC)'}`);
  console.log(HEADER);
  await get('/');
  await sample(0);
  const times: number[] = [];
  for (let v = 1; v <= reloads; v++) {
    const t0 = performance.now();
    await pool.reload(workerCode(v), url(v), {});
    times.push(performance.now() - t0);
    for (let r = 0; r < 2; r++) {
      const body = await get('/');
      if (!body.startsWith(`version ${v} `)) throw new Error(`reload ${v}: the worker answered "${body}"`);
    }
    if (v % every === 0 || v === reloads) await sample(v);
  }
  pool.dispose();
  console.log(`reload (2 new instances): p50 ${quantile(times, 0.5).toFixed(2)} ms, p95 ${quantile(times, 0.95).toFixed(2)} ms`);
}

async function viaSidecar(): Promise<void> {
  const { Reload } = await import('../common/protocol.ts');
  const { connectRpc, ensureRuntimeBuilt } = await import('../test/runtime/helpers.ts');
  ensureRuntimeBuilt();
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-reloads-'));
  cpSync(path.join(repoRoot, 'examples/hello'), project, { recursive: true });
  const rpc = connectRpc([project, '--port', '0', '--instances', '2', '--memory-limit-mb', String(memoryLimitMb)]);
  try {
    const { url } = await Promise.race([rpc.events.ready, rpc.exited.then(() => Promise.reject(new Error(`dev exited: ${rpc.out.stderr}`)))]);
    const runtime = Number(readFileSync(`/proc/${rpc.child.pid}/task/${rpc.child.pid}/children`, 'utf8').trim());
    const get = async () => {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET / answered ${res.status}: ${text}`);
    };
    console.log(`${reloads} reloads through the sidecar's runtime/reload (rebuild + 2 new instances, 2 requests after each), sidecar pid ${runtime}`);
    console.log(HEADER);
    await get();
    print({ reloads: 0, rssMb: mb(rssKb(runtime)) });
    const times: number[] = [];
    for (let v = 1; v <= reloads; v++) {
      const t0 = performance.now();
      const result = await rpc.connection.sendRequest(Reload);
      if (!result.reloaded) throw new Error(`reload ${v} failed: ${result.error}`);
      times.push(performance.now() - t0);
      await get();
      await get();
      // The log lines of the requests (RequestCompleted) are collected by connectRpc: drop them.
      rpc.events.requests.length = 0;
      rpc.events.logs.length = 0;
      if (v % every === 0 || v === reloads) print({ reloads: v, rssMb: mb(rssKb(runtime)) });
    }
    console.log(`runtime/reload round trip: p50 ${quantile(times, 0.5).toFixed(1)} ms, p95 ${quantile(times, 0.95).toFixed(1)} ms`);
  } finally {
    rpc.child.kill('SIGTERM');
    await rpc.exited;
    rmSync(project, { recursive: true, force: true });
  }
}

if (sidecar) await viaSidecar();
else await inProcess();

/** Growth of each figure between two samples, in total and per reload. */
function growth(from: Sample, to: Sample): string {
  const span = to.reloads - from.reloads;
  const one = (key: 'rssMb' | 'isolateHeapMb' | 'hostHeapMb', name: string) => {
    const a = from[key];
    const b = to[key];
    if (a === undefined || b === undefined) return [];
    const d = b - a;
    return [`${name} ${d >= 0 ? '+' : ''}${d.toFixed(key === 'rssMb' ? 1 : 2)} MB (${span > 0 ? ((d * 1024) / span).toFixed(2) : '-'} KB per reload)`];
  };
  const timers = from.timers === undefined ? [] : [`timers ${from.timers} → ${to.timers}`];
  return [...one('rssMb', 'RSS'), ...one('isolateHeapMb', 'isolate heap'), ...one('hostHeapMb', 'host heap'), ...timers].join(', ');
}
const last = samples.at(-1)!;
const tenth = samples.find((s) => s.reloads >= reloads / 10) ?? samples[0]!;
const half = samples.find((s) => s.reloads >= reloads / 2) ?? samples[0]!;
console.log(`growth from reload ${tenth.reloads} to ${last.reloads}: ${growth(tenth, last)}`);
console.log(`growth from reload ${half.reloads} to ${last.reloads}: ${growth(half, last)}`);
