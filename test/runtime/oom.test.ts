// A worker that allocates until the isolate's memory limit: isolated-vm disposes the isolate. The request fails with
// a 503 naming the limit, the instances are evicted (logged with the reason), the next request is served normally,
// and the sidecar stays up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

test('a worker that runs out of memory: 503 naming the limit, instances evicted, the next request served', { timeout: 60_000 }, async () => {
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
  } finally {
    // KNOWN ISSUE (open): after an isolate died at its memory limit, the process may segfault while exiting (a
    // isolated-vm thread frees the dead isolate during the exit's teardown). Serving is unaffected; stop() must still
    // end the process.
    await dev.stop();
    assert.notEqual(dev.child.exitCode ?? dev.child.signalCode, null);
  }
});
