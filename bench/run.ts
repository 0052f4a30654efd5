// `node bench/run.ts [--quick]` (Node >= 24, after `npm run build`): every performance figure of the runtime beside
// its reference and its target, measured in one run on this machine, printed as one Markdown table (README
// "Performance"). `--quick`: fewer runs and shorter loads, to try the bench out (not for the README).
//
//   cold start     a new instance up to its first response, in this process with the runtime's own classes
//                  (WorkerPool, the real prelude dist/prelude.js, the examples/hello bundle): in a new isolate, and as
//                  a new context of the running isolate (what an instance is); beside workerd's process start to first
//                  response and `node -e 0`; plus the whole `worker-studio dev` process start (and `wrangler dev`'s)
//   memory         RSS per idle instance (bench/instanceRss.ts: N instances with the full prelude, each served once,
//                  RSS delta / N), as contexts of one isolate and as isolates; beside a workerd process serving hello
//   throughput     hello-world requests/s with autocannon (same connections and duration) against
//                  `worker-studio dev --instances 2` and workerd serving the same bundle
//   live reload    edit-to-new-code: write a change to a copy of examples/hello, poll until the new body is served;
//                  under `worker-studio dev` and under `wrangler dev` (installed outside the repo, see WRANGLER below)
import autocannon from 'autocannon';
import ivm from 'isolated-vm';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolveWorkerProject } from '../common/workerProject.ts';
import { bundleWorker } from '../runtime/src/bundler.ts';
import { PreludeCache, WorkerIsolate } from '../runtime/src/workerIsolate.ts';
import { WorkerPool, type WorkerPoolOptions } from '../runtime/src/workerPool.ts';
import { bin, ensureBuilt } from '../test/repo.ts';
import { prepareWorkerd, serveWorkerd, WORKERD } from '../test/workerd.ts';
import { prelude, quantile, reexecWith, repoRoot, treeRssKb } from './lib.ts';

reexecWith(['--no-node-snapshot']);

const quick = process.argv.includes('--quick');
const RUNS = { instance: quick ? 30 : 200, process: quick ? 3 : 10, workerStudio: quick ? 2 : 5, wrangler: quick ? 1 : 3, edits: quick ? 5 : 20, rssInstances: quick ? 50 : 200 };
const LOAD = { connections: 10, duration: quick ? 3 : 10, warmup: quick ? 1 : 3 };
/** Where `wrangler dev` is looked for: installed outside the repo (`npm install --prefix DIR wrangler@4`), never a dependency. */
const WRANGLER_DIR = process.env.WRANGLER_DIR ?? path.join(os.homedir(), '.cache/worker-studio/bench-wrangler');
const WRANGLER = path.join(WRANGLER_DIR, 'node_modules/wrangler/bin/wrangler.js');

const hello = path.join(repoRoot, 'examples/hello');
const HELLO_BODY = 'Hello from Worker Studio!\n';
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const p50p95 = (values: number[]) => `${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.95))} ms`;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

ensureBuilt('runtime');
const loadAtStart = os.loadavg()[0];

// ── cold start of an instance, in process ───────────────────────────────────────────────────────────────────────

const project = resolveWorkerProject(hello);
const bundle = await bundleWorker(project.entry, project.root, 1);
const preludeCode = prelude();
await PreludeCache.for(preludeCode).ready();

const poolOptions = (): WorkerPoolOptions => ({
  instance: { prelude: preludeCode, code: bundle.code, url: bundle.url, env: {}, inspector: false, onLog: () => {} },
  instances: 1,
  cpuLimitMs: 30_000,
  memoryLimitMb: 128,
  idleEvictMs: 0,
  onEvicted: () => {},
});

async function firstResponse(pool: WorkerPool): Promise<void> {
  const { result, served } = await pool.dispatch({ method: 'GET', url: 'http://127.0.0.1/', headers: [], body: null });
  if (!result.ok) throw new Error(result.error.stack);
  let body = result.response.body ?? new Uint8Array();
  if (result.response.reader) {
    const chunks: Uint8Array[] = [];
    for (let chunk; (chunk = await result.response.reader.read()) !== null; ) chunks.push(chunk);
    body = Buffer.concat(chunks);
  }
  served.finish();
  if (result.response.status !== 200 || Buffer.from(body).toString() !== HELLO_BODY) throw new Error(`unexpected response ${result.response.status}`);
}

async function timeRuns(runs: number, warmup: number, once: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return times;
}

log(`cold start: ${RUNS.instance} new isolates …`);
const newIsolate = await timeRuns(RUNS.instance, 5, async () => {
  const t0 = performance.now();
  const pool = await WorkerPool.create(poolOptions());
  await firstResponse(pool);
  const elapsed = performance.now() - t0;
  pool.dispose();
  return elapsed;
});
log(`cold start: ${RUNS.instance} new instances in a running isolate …`);
const running = await WorkerPool.create(poolOptions());
await firstResponse(running);
const newContext = await timeRuns(RUNS.instance, 5, async () => {
  const t0 = performance.now();
  await running.evict(1, 'bench');
  await firstResponse(running);
  return performance.now() - t0;
});
running.dispose();

// Where a new isolate's cold start goes, and what one request costs inside the isolate (for the table's notes).
log('cold start: phases …');
const phases = { isolate: [] as number[], prelude: [] as number[] };
for (let i = 0; i < RUNS.instance / 2 + 5; i++) {
  const t0 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const t1 = performance.now();
  await PreludeCache.for(preludeCode).run(isolate, context);
  const t2 = performance.now();
  context.release();
  isolate.dispose();
  if (i >= 5) {
    phases.isolate.push(t1 - t0);
    phases.prelude.push(t2 - t1);
  }
}
const perRequest = await (async () => {
  const worker = await WorkerIsolate.create({ prelude: preludeCode, code: bundle.code, url: bundle.url, env: {}, inspector: false, onLog: () => {} });
  const request = { method: 'GET', url: 'http://127.0.0.1:8787/', headers: [['host', '127.0.0.1:8787'], ['user-agent', 'bench']] as [string, string][], body: null };
  for (let i = 0; i < 500; i++) await worker.dispatch(request);
  const count = 3000;
  const cpu0 = worker.isolate.cpuTime;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await worker.dispatch(request);
  const result = { cpuUs: (Number(worker.isolate.cpuTime - cpu0) / 1e3) / count, wallUs: ((performance.now() - t0) * 1e3) / count };
  worker.dispose();
  return result;
})();

// ── process starts ──────────────────────────────────────────────────────────────────────────────────────────────

async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(kill);
}

/** Resolves with the first match of `pattern` in what the child printed (stdout and stderr). */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${out.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) done(undefined, match);
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before ${pattern}; output:\n${out.slice(-2000)}`));
    const done = (err?: Error, match?: RegExpExecArray) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(match!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Keeps reading a child's output (a server that logs every request must never block on a full pipe). */
function drain(child: ChildProcess): void {
  child.stdout?.resume();
  child.stderr?.resume();
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

log(`process start: ${RUNS.process} × node -e 0 …`);
const nodeE0 = await timeRuns(RUNS.process, 1, async () => {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return performance.now() - t0;
});

log(`process start: ${RUNS.process} × workerd serve …`);
const workerdDir = await prepareWorkerd(hello);
const workerdRss: number[] = [];
const workerdStart = await timeRuns(RUNS.process, 1, async () => {
  const t0 = performance.now();
  const served = await serveWorkerd(workerdDir);
  const res = await get(served.url);
  const elapsed = performance.now() - t0;
  if (res.body !== HELLO_BODY) throw new Error(`workerd answered ${res.status} ${res.body}`);
  workerdRss.push(treeRssKb(served.pid!) / 1024);
  await served.stop();
  return elapsed;
});
const workerdVersion = execFileSync(WORKERD, ['--version'], { encoding: 'utf8' }).trim().replace(/^workerd\s+/, '');

async function startWorkerStudio(dir: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'dev', dir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const match = await waitForOutput(child, /Ready on (http:\/\/\S+)/, 30_000);
  return { child, url: match[1]!, readyMs: performance.now() - t0 };
}

log(`process start: ${RUNS.workerStudio} × worker-studio dev …`);
const studioRss: number[] = [];
const studioStart = await timeRuns(RUNS.workerStudio, 1, async () => {
  const t0 = performance.now();
  const { child, url } = await startWorkerStudio(hello);
  drain(child);
  const res = await get(url);
  const elapsed = performance.now() - t0;
  if (res.body !== HELLO_BODY) throw new Error(`worker-studio answered ${res.status} ${res.body}`);
  studioRss.push(treeRssKb(child.pid!) / 1024);
  await exitOf(child);
  return elapsed;
});

// ── wrangler dev (outside the repo), if it runs here ────────────────────────────────────────────────────────────

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };

async function startWrangler(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: wranglerEnv });
  try {
    await waitForOutput(child, /Ready on http:\/\/\S+/, 60_000);
  } catch (err) {
    await exitOf(child);
    throw err;
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

let wranglerError: string | undefined;
let wranglerVersion = '';
const wranglerStart: number[] = [];
const wranglerRss: number[] = [];
if (!existsSync(WRANGLER)) {
  wranglerError = `not installed at ${WRANGLER_DIR} (npm install --prefix ${WRANGLER_DIR} wrangler@4)`;
} else {
  const version = spawnSync(process.execPath, [WRANGLER, '--version'], { encoding: 'utf8', env: wranglerEnv });
  wranglerVersion = (version.stdout.match(/\d+\.\d+\.\d+/) ?? [''])[0];
  if (version.status !== 0) wranglerError = `wrangler --version failed: ${(version.stderr || version.stdout).trim().split('\n').at(-1)}`;
}
if (!wranglerError) {
  log(`process start: ${RUNS.wrangler} × wrangler dev …`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-wrangler-'));
  cpSync(hello, dir, { recursive: true });
  try {
    for (let i = 0; i < RUNS.wrangler + 1; i++) {
      const t0 = performance.now();
      const { child, url } = await startWrangler(dir);
      drain(child);
      // "Ready" comes before the worker is loaded: the first answer is the figure.
      let res = await get(url).catch(() => ({ status: 0, body: '' }));
      while (res.body !== HELLO_BODY) {
        await sleep(5);
        res = await get(url).catch(() => ({ status: 0, body: '' }));
      }
      const elapsed = performance.now() - t0;
      if (i > 0) {
        wranglerStart.push(elapsed);
        wranglerRss.push(treeRssKb(child.pid!) / 1024);
      }
      await exitOf(child);
    }
  } catch (err) {
    wranglerError = `wrangler dev did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── memory per idle instance ────────────────────────────────────────────────────────────────────────────────────

interface InstanceRss {
  perInstanceMb: number;
  heapUsedPerInstanceMb: number;
  heapTotalPerInstanceMb: number;
}
function instanceRss(mode: 'contexts' | 'isolates'): InstanceRss {
  log(`memory: ${RUNS.rssInstances} idle instances as ${mode} …`);
  const child = spawnSync(process.execPath, ['--no-node-snapshot', '--expose-gc', path.join(import.meta.dirname, 'instanceRss.ts'), mode, String(RUNS.rssInstances)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`instanceRss.ts ${mode} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as InstanceRss;
}
const rssContexts = instanceRss('contexts');
const rssIsolates = instanceRss('isolates');

// ── requests per second ─────────────────────────────────────────────────────────────────────────────────────────

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}
async function load(url: string): Promise<Load> {
  await autocannon({ url, connections: LOAD.connections, duration: LOAD.warmup });
  const result = await autocannon({ url, connections: LOAD.connections, duration: LOAD.duration });
  return { rps: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

log(`throughput: worker-studio dev --instances 2, autocannon ${LOAD.connections} connections ${LOAD.duration} s …`);
const studioServer = await startWorkerStudio(hello, ['--instances', '2']);
drain(studioServer.child);
const studioLoad = await load(studioServer.url);
await exitOf(studioServer.child);

log(`throughput: workerd …`);
const workerdServer = await serveWorkerd(workerdDir);
const workerdLoad = await load(workerdServer.url);
await workerdServer.stop();
rmSync(workerdDir, { recursive: true, force: true });

// ── edit to new code ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Edits src/index.ts of `dir` `count` times (after one edit not counted); each time, from the write until GET / answers
 * the new text, polling as fast as the server answers.
 */
async function editLatency(dir: string, url: string, count: number): Promise<number[]> {
  const source = path.join(dir, 'src/index.ts');
  const original = readFileSync(source, 'utf8');
  const times: number[] = [];
  for (let i = 0; i <= count; i++) {
    const text = `Hello, edit ${i}!`;
    const t0 = performance.now();
    writeFileSync(source, original.replace('Hello from Worker Studio!', text));
    for (;;) {
      const res = await get(url).catch(() => ({ status: 0, body: '' }));
      if (res.body.startsWith(text)) break;
      if (performance.now() - t0 > 30_000) throw new Error(`edit ${i} not served after 30 s (last answer ${res.status}: ${res.body.slice(0, 200)})`);
    }
    if (i > 0) times.push(performance.now() - t0);
    // Not measured: let the watcher's burst end before the next edit.
    await sleep(150);
  }
  return times;
}

log(`live reload: ${RUNS.edits} edits under worker-studio dev …`);
const studioDir = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-edit-'));
cpSync(hello, studioDir, { recursive: true });
const studioEditServer = await startWorkerStudio(studioDir);
drain(studioEditServer.child);
const studioEdits = await editLatency(studioDir, studioEditServer.url, RUNS.edits);
await exitOf(studioEditServer.child);
rmSync(studioDir, { recursive: true, force: true });

let wranglerEdits: number[] = [];
let wranglerEditError = wranglerError;
if (!wranglerError) {
  log(`live reload: ${RUNS.edits} edits under wrangler dev …`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-wrangler-edit-'));
  cpSync(hello, dir, { recursive: true });
  try {
    const { child, url } = await startWrangler(dir);
    drain(child);
    try {
      wranglerEdits = await editLatency(dir, url, RUNS.edits);
    } finally {
      await exitOf(child);
    }
  } catch (err) {
    wranglerEditError = `wrangler dev: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── the table ───────────────────────────────────────────────────────────────────────────────────────────────────

/** "met", or by how much the figure misses (`lowerIsBetter`: the figure must be at most the target). */
function verdict(value: number, target: number, unit: string, lowerIsBetter = true): string {
  const met = lowerIsBetter ? value <= target : value >= target;
  if (met) return 'met';
  const by = Math.abs(value - target);
  const ratio = lowerIsBetter ? value / target : target / value;
  return `missed by ${unit === 'req/s' ? by.toFixed(0) : ms(by)} ${unit} (${ratio.toFixed(2)}×)`;
}

const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
const mb = (n: number) => `${n.toFixed(n >= 10 ? 0 : 2)} MB`;
const wranglerStartText = wranglerError ? `wrangler dev: ${wranglerError}` : `\`wrangler dev\` ${wranglerVersion} ${p50p95(wranglerStart)}, RSS ${mb(quantile(wranglerRss, 0.5))} (${RUNS.wrangler} runs)`;
const rows: string[][] = [
  [
    'cold start of a new instance: new isolate + prelude (code cache) + hello bundle → first response, p50 / p95',
    p50p95(newIsolate),
    `\`workerd serve\` spawn → first response ${p50p95(workerdStart)}; \`node -e 0\` ${p50p95(nodeE0)}`,
    'p50 ≤ 5 ms',
    verdict(quantile(newIsolate, 0.5), 5, 'ms'),
  ],
  ['cold start of a new instance in the running isolate (a new context: what an instance is), p50 / p95', p50p95(newContext), 'as above', 'p50 ≤ 5 ms', verdict(quantile(newContext, 0.5), 5, 'ms')],
  ['`worker-studio dev` spawn → first response (CLI + sidecar: two Node processes, esbuild), p50 / p95', p50p95(studioStart), `workerd as above; ${wranglerStartText}`, '–', '–'],
  [`RSS per idle instance, full prelude (${RUNS.rssInstances} instances as contexts of one isolate, each served once)`, `${mb(rssContexts.perInstanceMb)} (V8 heap ${mb(rssContexts.heapTotalPerInstanceMb)})`, `a \`workerd serve\` process with hello: ${mb(quantile(workerdRss, 0.5))}`, '≤ 3 MB', verdict(rssContexts.perInstanceMb, 3, 'MB')],
  [`RSS per idle isolate with one instance (${RUNS.rssInstances} isolates)`, `${mb(rssIsolates.perInstanceMb)} (V8 heap ${mb(rssIsolates.heapTotalPerInstanceMb)})`, 'as above', '≤ 3 MB', verdict(rssIsolates.perInstanceMb, 3, 'MB')],
  [
    `\`worker-studio dev\` process RSS after the first response`,
    mb(quantile(studioRss, 0.5)),
    `\`workerd serve\` ${mb(quantile(workerdRss, 0.5))}`,
    '–',
    '–',
  ],
  [
    `hello-world requests/s, autocannon ${LOAD.connections} connections × ${LOAD.duration} s (after ${LOAD.warmup} s warm-up), \`worker-studio dev --instances 2\``,
    `${studioLoad.rps.toFixed(0)} req/s (latency p50 ${studioLoad.p50} ms, p99 ${studioLoad.p99} ms${studioLoad.errors || studioLoad.non2xx ? `, ${studioLoad.errors} errors, ${studioLoad.non2xx} non-2xx` : ''})`,
    `workerd ${workerdLoad.rps.toFixed(0)} req/s (p50 ${workerdLoad.p50} ms, p99 ${workerdLoad.p99} ms${workerdLoad.errors || workerdLoad.non2xx ? `, ${workerdLoad.errors} errors, ${workerdLoad.non2xx} non-2xx` : ''})`,
    '≥ workerd',
    verdict(studioLoad.rps, workerdLoad.rps, 'req/s', false),
  ],
  [
    `edit → new code served (write src/index.ts, poll GET / until the new body), p50 / p95 over ${RUNS.edits} edits`,
    p50p95(studioEdits),
    wranglerEditError ? `\`wrangler dev\`: ${wranglerEditError}` : `\`wrangler dev\` ${wranglerVersion} ${p50p95(wranglerEdits)}`,
    'p50 ≤ 100 ms',
    verdict(quantile(studioEdits, 0.5), 100, 'ms'),
  ],
];

const escape = (cell: string) => cell.replace(/\|/g, '\\|');
console.log(
  `\`node bench/run.ts${quick ? ' --quick' : ''}\` — ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}, Node ${process.version}, workerd ${workerdVersion}${wranglerVersion ? `, wrangler ${wranglerVersion}` : ''}; load average ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end\n`,
);
console.log('| figure | Worker Studio | reference | target | |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.map(escape).join(' | ')} |`);
console.log(
  `\nNotes from the same run: a new isolate's cold start is, at p50, ${ms(quantile(phases.isolate, 0.5))} ms for the isolate and its context, ${ms(quantile(phases.prelude, 0.5))} ms to run the prelude from the code cache, the rest the worker module, the bridge and the first request; one hello request costs ${perRequest.cpuUs.toFixed(0)} µs of isolate CPU (${perRequest.wallUs.toFixed(0)} µs wall, in process, no HTTP).`,
);
