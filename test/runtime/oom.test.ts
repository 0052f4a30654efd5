// A worker that allocates until the isolate's memory limit: isolated-vm disposes the isolate. The request fails with
// a 503 naming the limit, the instances are evicted (logged with the reason), the next request is served normally,
// the sidecar stays up, and it still stops cleanly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

test('a worker that runs out of memory: 503 naming the limit, instances evicted, the next request served, a clean stop', { timeout: 60_000 }, async () => {
  ensureRuntimeBuilt();
  const dev = await startDev([fixture('runtime-oom/index.js'), '--port', '0', '--memory-limit-mb', '64']);
  try {
    const first = await fetch(`${dev.url}/`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(first.status, 503);
    assert.match(await first.text(), /ran out of memory \(limit 64 MB\)/);
    await dev.waitFor('stderr', /^↻ #1 evicted: memory limit \(64 MB\)$/m);
    await dev.waitFor('stderr', /^↻ #2 evicted: memory limit \(64 MB\)$/m);
    const second = await fetch(`${dev.url}/ok`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(second.status, 200);
    assert.equal(await second.text(), 'ok');
    assert.equal(dev.child.exitCode, null);
    // The dead isolate is freed on an isolated-vm thread; exiting before that is done crashed the process (SIGSEGV,
    // exit 139) until the sidecar learned to end by an empty event loop (runtime/src/main.ts, endWhenIdle).
    assert.equal(await dev.stop(), 0, `exit ${dev.child.exitCode ?? dev.child.signalCode}; stderr:\n${dev.stderr()}`);
  } finally {
    await dev.stop();
  }
});
