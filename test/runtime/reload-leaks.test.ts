// Live reload leaks nothing: a replaced instance's timers stop (the host keeps none of them), and hundreds of reloads
// leave the isolate's heap flat. Drives WorkerPool.reload in a child `node --no-node-snapshot --expose-gc`
// (test/fixtures/runtime-reload-leaks/run.ts; --expose-gc lets the worker force full GCs of its isolate), which must
// exit by itself. `node bench/reloads.ts` runs the same kind of loop 10,000 times and prints RSS and heap along the way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, repoRoot } from './helpers.ts';

/** Reloads in the memory part (≈ 10 ms each: 2 new instances with the prelude, then 2 requests). */
const RELOADS = 300;
/**
 * Allowed growth of the isolate's heap, after full GCs, from the start (3 reloads in) to reload 30 and to reload 300.
 * One leaked instance (a context with the prelude, as bench/instanceRss.ts measures it) is ≈ 0.5 MB of heap, and the
 * reloads make 600 instances: 1 MB fails as soon as 2 of them are kept, or anything else is kept at ≥ 3.5 KB per
 * reload. Measured: -0.1 to +0.01 MB. (Both points are checked: a leak that the host's GC ends, like References left
 * unreleased, pins a varying number of contexts, up to tens of MB, and is caught at either.)
 */
const HEAP_GROWTH_BOUND = 1024 * 1024;

test(`reloads leak no timers and no memory (${RELOADS} reloads)`, { timeout: 60_000 }, async () => {
  ensureRuntimeBuilt();
  const child = spawn(process.execPath, ['--no-node-snapshot', '--expose-gc', path.join(fixture('runtime-reload-leaks'), 'run.ts'), path.join(repoRoot, 'dist/prelude.js'), String(RELOADS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    // Reported: from now on it has nothing left to do but exit.
    if (stdout.includes('\n')) {
      clearTimeout(killer);
      killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(killer);
  assert.ok(stdout.includes('\n'), `no report (exit ${code ?? signal})\n${stderr}`);
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { oldTicksAfterReload: number; tick2: number; heapAtStart: number; heapAtTenth: number; heapAtEnd: number; timersAtEnd: number; reloadMs: number };
  const info = JSON.stringify(report);

  assert.ok(report.tick2 >= 5, info);
  assert.equal(report.oldTicksAfterReload, 0, `the replaced instance's interval still fired after the new one started: ${info}`);
  // The last version's 2 requests each left an interval and a timeout; the 600 replaced instances' (or more) are gone.
  assert.ok(report.timersAtEnd <= 8, `host timers still live after ${RELOADS} reloads: ${report.timersAtEnd} (${info})`);
  for (const [at, heap] of [[RELOADS / 10, report.heapAtTenth], [RELOADS, report.heapAtEnd]] as const) {
    const growth = heap - report.heapAtStart;
    assert.ok(growth < HEAP_GROWTH_BOUND, `the isolate's heap grew by ${(growth / 2 ** 20).toFixed(2)} MB from the start to reload ${at}: ${info}`);
  }
  assert.equal(signal, null, `the child did not exit by itself (a host timer or handle kept its event loop alive)\n${stdout}\n${stderr}`);
  assert.equal(code, 0, stderr);
});
