// `node --no-node-snapshot bench/isolate.ts [N]` (Node >= 24, after `node esbuild.mjs prelude`): how long a new worker
// isolate takes to be ready for the worker module: new Isolate + Context + the prelude (dist/prelude.js), medians over N
// (default 50) isolates, for
//   - source:      compiling the prelude from source in every isolate (what the runtime did before the code cache),
//   - code cache:  compiling it from V8's code cache (runtime/src/workerIsolate.ts PreludeCache), as later isolates do,
//   - + inspector: the same with `inspector: true` (--inspect),
//   - WorkerIsolate.create: the runtime's real path (prelude + host connection + a one-line worker module).
import ivm from 'isolated-vm';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PreludeCache, WorkerIsolate } from '../runtime/src/workerIsolate.ts';
import { PRELUDE_FILENAME } from '../runtime/src/stackMapper.ts';
import { repoRoot } from '../test/repo.ts';

const runs = Number(process.argv[2] ?? 50);
const prelude = readFileSync(path.join(repoRoot, 'dist/prelude.js'), 'utf8');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(name: string, once: () => Promise<number>): Promise<void> {
  await once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  console.log(`${name.padEnd(34)} median ${median(times).toFixed(2)} ms  (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})`);
}

async function fromSource(): Promise<number> {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  await context.eval(prelude, { filename: PRELUDE_FILENAME });
  const ms = performance.now() - t0;
  context.release();
  isolate.dispose();
  return ms;
}

const cache = PreludeCache.for(prelude);
await cache.ready();

async function fromCache(inspector: boolean): Promise<number> {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128, inspector });
  const context = await isolate.createContext({ inspector });
  await cache.run(isolate, context);
  const ms = performance.now() - t0;
  context.release();
  isolate.dispose();
  return ms;
}

async function workerIsolate(): Promise<number> {
  const t0 = performance.now();
  const worker = await WorkerIsolate.create({ prelude, code: 'export default { fetch: () => new Response("ok") };', url: 'file:///bench-worker.js', env: {}, inspector: false, onLog: () => {} });
  const ms = performance.now() - t0;
  worker.dispose();
  return ms;
}

console.log(`new isolate + context + prelude (${(prelude.length / 1024).toFixed(0)} KB), ${runs} isolates`);
await measure('source (no cache)', fromSource);
await measure('code cache', () => fromCache(false));
await measure('code cache + inspector', () => fromCache(true));
await measure('WorkerIsolate.create (code cache)', workerIsolate);
