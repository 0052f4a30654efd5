// `node bench/startup.ts [RUNS]` (Node >= 24, after `npm run build`): how fast a worker starts.
// Cold start = from spawning the process to the first `GET /` response of examples/hello, for
//   - `worker-studio dev` (the CLI, which starts the runtime sidecar on Node 24),
//   - workerd (Cloudflare's runtime, what `wrangler dev` runs) serving the same esbuild bundle,
// plus the resident memory of each server after that response. Prints medians over RUNS (default 10).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test/repo.ts';
import { prepareWorkerd, serveWorkerd } from '../test/workerd.ts';

const runs = Number(process.argv[2] ?? 10);
const hello = path.join(repoRoot, 'examples/hello');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** Resident set size of a process and its descendants, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return own + children.reduce((sum, child) => sum + rssMb(child), 0);
}

async function firstOk(url: string): Promise<void> {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
}

async function workerStudioOnce(): Promise<{ readyMs: number; firstMs: number; rss: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/worker-studio'), 'dev', hello, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /Ready on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`worker-studio dev exited with ${code} before Ready`)));
  });
  const readyMs = performance.now() - t0;
  await firstOk(url);
  const firstMs = performance.now() - t0;
  const rss = rssMb(child.pid!);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { readyMs, firstMs, rss };
}

async function workerdOnce(dir: string): Promise<{ firstMs: number; rss: number }> {
  const t0 = performance.now();
  const served = await serveWorkerd(dir);
  await firstOk(served.url);
  const firstMs = performance.now() - t0;
  const rss = rssMb(served.pid!);
  await served.stop();
  return { firstMs, rss };
}

const ours = [];
for (let i = 0; i < runs; i++) ours.push(await workerStudioOnce());
const dir = await prepareWorkerd(hello);
const theirs = [];
for (let i = 0; i < runs; i++) theirs.push(await workerdOnce(dir));
rmSync(dir, { recursive: true, force: true });

console.log(`cold start of examples/hello, median of ${runs} runs`);
console.log(`worker-studio dev  spawn → Ready ${median(ours.map((r) => r.readyMs)).toFixed(0)} ms, → first response ${median(ours.map((r) => r.firstMs)).toFixed(0)} ms, RSS ${median(ours.map((r) => r.rss)).toFixed(0)} MB`);
console.log(`workerd serve      spawn → first response ${median(theirs.map((r) => r.firstMs)).toFixed(0)} ms, RSS ${median(theirs.map((r) => r.rss)).toFixed(0)} MB`);
