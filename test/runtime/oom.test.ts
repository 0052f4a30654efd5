// A worker that allocates until the isolate's memory limit: isolated-vm disposes the isolate. The sidecar notices,
// reports it, answers every later request with a 5xx saying so, and stays up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

test('a worker that runs out of memory: 5xx naming memory, later requests too, the sidecar stays up', { timeout: 60_000 }, async () => {
  ensureRuntimeBuilt();
  const dev = await startDev([fixture('runtime-oom/index.js'), '--port', '0']);
  try {
    const first = await fetch(`${dev.url}/`, { signal: AbortSignal.timeout(30_000) });
    assert.ok(first.status >= 500, String(first.status));
    assert.match(await first.text(), /ran out of memory \(limit 128 MB\)/);
    await dev.waitFor('stderr', /the worker ran out of memory \(limit 128 MB\)/i);
    const second = await fetch(`${dev.url}/ok`, { signal: AbortSignal.timeout(10_000) });
    assert.ok(second.status >= 500);
    assert.match(await second.text(), /ran out of memory/);
    assert.equal(dev.child.exitCode, null);
  } finally {
    // KNOWN ISSUE (open): after the isolate died, the process sometimes segfaults while exiting on SIGTERM (exit 143
    // through bin/worker-studio). Serving is unaffected; stop() must still end the process.
    await dev.stop();
    assert.notEqual(dev.child.exitCode ?? dev.child.signalCode, null);
  }
});
