// `node bench/instanceRss.ts contexts|isolates [N=200]` (after `npm run build`; run by bench/run.ts): resident memory
// per idle worker instance with the full Web-platform prelude and the examples/hello bundle, each having served one
// request. `contexts`: N instances as the runtime makes them, contexts in one isolate; `isolates`: N isolates of one
// instance each. The process warms up first (one instance created, served and disposed; the prelude's code cache
// ready), then RSS is read before and after creating the N, after a host GC. Prints one JSON line.
import ivm from 'isolated-vm';
import path from 'node:path';
import { resolveWorkerProject } from '../common/workerProject.ts';
import { bundleWorker } from '../runtime/src/bundler.ts';
import { PreludeCache, WorkerIsolate } from '../runtime/src/workerIsolate.ts';
import { hostGc, prelude, reexecWith, repoRoot, rssKb, turn } from './lib.ts';

reexecWith(['--no-node-snapshot', '--expose-gc']);

const mode = process.argv[2] === 'isolates' ? 'isolates' : 'contexts';
const count = Number(process.argv[3] ?? 200);
const project = resolveWorkerProject(path.join(repoRoot, 'examples/hello'));
const { code, url } = await bundleWorker(project.entry, project.root, 1);
const preludeCode = prelude();
await PreludeCache.for(preludeCode).ready();

async function serveOne(worker: WorkerIsolate): Promise<void> {
  const result = await worker.dispatch({ method: 'GET', url: 'http://127.0.0.1/', headers: [], body: null });
  if (!result.ok) throw new Error(result.error.stack);
  const reader = result.response.reader;
  if (reader) while ((await reader.read()) !== null);
}

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    hostGc();
    await turn();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
};

const create = (isolate?: ivm.Isolate) => WorkerIsolate.create({ prelude: preludeCode, code, url, env: {}, inspector: false, onLog: () => {}, ...(isolate ? { isolate } : {}) });
const warm = await create();
await serveOne(warm);
warm.dispose();
await settle();

const shared = mode === 'contexts' ? new ivm.Isolate({ memoryLimit: 4096 }) : undefined;
await settle();
const before = rssKb();
const workers: WorkerIsolate[] = [];
for (let i = 0; i < count; i++) {
  const worker = await create(shared);
  await serveOne(worker);
  workers.push(worker);
}
await settle();
const after = rssKb();
const heaps = shared ? [await shared.getHeapStatistics()] : await Promise.all(workers.map((w) => w.isolate.getHeapStatistics()));
const heapUsed = heaps.reduce((sum, h) => sum + h.used_heap_size, 0);
const heapTotal = heaps.reduce((sum, h) => sum + h.total_heap_size, 0);
process.stdout.write(
  JSON.stringify({ mode, count, beforeMb: before / 1024, afterMb: after / 1024, perInstanceMb: (after - before) / 1024 / count, heapUsedPerInstanceMb: heapUsed / 2 ** 20 / count, heapTotalPerInstanceMb: heapTotal / 2 ** 20 / count }) + '\n',
);
for (const worker of workers) worker.dispose();
shared?.dispose();
