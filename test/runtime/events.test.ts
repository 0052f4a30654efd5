// Events other than fetch: cron triggers (module `scheduled`, service-worker `addEventListener('scheduled')`) fired by
// the test URLs and the control channel, queue batches through the control channel; unhandled rejections at load;
// passThroughOnException.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Trigger } from '../../common/protocol.ts';
import { connectRpc, ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

before(() => ensureRuntimeBuilt());

test('/cdn-cgi/handler/scheduled runs the scheduled handler with cron and time; the answer waits for waitUntil', async () => {
  const dev = await startDev([fixture('runtime-events'), '--port', '0']);
  try {
    const response = await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('*/5 * * * *')}&time=1700000000000`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    await dev.waitFor('stdout', /^scheduled cron="\*\/5 \* \* \* \*" time=1700000000000 {2}\(test\/fixtures\/runtime-events\/src\/index\.ts:20:13\)$/m);
    await dev.waitFor('stdout', /^scheduled waitUntil done/m);
    await dev.waitFor('stderr', /^⏰ scheduled "\*\/5 \* \* \* \*" ok [\d.]+ms$/m);

    // A throwing handler: 500 "exception", and the source-mapped stack in the log.
    const failed = await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=throw`);
    assert.equal(failed.status, 500);
    assert.equal(await failed.text(), 'exception');
    await dev.waitFor('stderr', /✘ scheduled: Error: the cron job failed\n\s+at .*test\/fixtures\/runtime-events\/src\/index\.ts:21:/);

    // Without --test-scheduled, wrangler's /__scheduled is an ordinary path of the worker.
    const plain = await fetch(`${dev.url}/__scheduled?cron=x`);
    assert.equal(plain.status, 404);
    assert.equal(await plain.text(), 'fetch /__scheduled');
  } finally {
    await dev.stop();
  }
});

test('--test-scheduled serves /__scheduled as wrangler does', async () => {
  const dev = await startDev([fixture('runtime-events'), '--port', '0', '--test-scheduled']);
  try {
    const response = await fetch(`${dev.url}/__scheduled?cron=0+*+*+*+*`);
    assert.equal(await response.text(), 'ok');
    await dev.waitFor('stdout', /^scheduled cron="0 \* \* \* \*" time=\d+/m);
  } finally {
    await dev.stop();
  }
});

test('a promise rejected at the top level is logged as uncaught and the worker still loads', async () => {
  const dev = await startDev([fixture('runtime-events'), '--port', '0']);
  try {
    await dev.waitFor('stderr', /Uncaught \(in promise\) Error: rejected while loading\n\s+at .*test\/fixtures\/runtime-events\/src\/index\.ts:3:16/);
    assert.equal((await fetch(`${dev.url}/x`)).status, 404);
  } finally {
    await dev.stop();
  }
});

test('passThroughOnException: the error page says the request would have gone to the origin', async () => {
  const dev = await startDev([fixture('runtime-events'), '--port', '0']);
  try {
    const response = await fetch(`${dev.url}/pass-through`);
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.match(text, /Error: failed after passThroughOnException/);
    assert.match(text, /called passThroughOnException\(\): in production this request would have been sent on to the origin/);
  } finally {
    await dev.stop();
  }
});

test('control channel: Trigger runs scheduled and queue events; Ready lists the handlers', async () => {
  const { connection, events, exited, child } = connectRpc([fixture('runtime-events'), '--port', '0']);
  try {
    const ready = await events.ready;
    assert.deepEqual(ready.handlers, ['fetch', 'scheduled', 'queue']);

    const scheduled = await connection.sendRequest(Trigger, { event: 'scheduled', cron: 'no-retry', scheduledTime: 5 });
    assert.equal(scheduled.outcome, 'ok');
    assert.equal(scheduled.noRetry, true);
    // Notifications sent before the answer arrive before it: the waitUntil work had finished.
    assert.deepEqual(
      events.logs.filter((log) => log.message.startsWith('scheduled')).map((log) => log.message),
      ['scheduled cron="no-retry" time=5', 'scheduled waitUntil done'],
    );

    const messages = [
      { id: 'a', body: { verdict: 'ack' } },
      { id: 'r', body: { verdict: 'retry' } },
      { id: 'n', body: { verdict: 'none' }, attempts: 3 },
    ];
    // Success: explicit verdicts win, the rest is acknowledged.
    const jobs = await connection.sendRequest(Trigger, { event: 'queue', queue: 'jobs', messages });
    assert.deepEqual({ ...jobs, wallMs: 0 }, { outcome: 'ok', acked: ['a', 'n'], retried: [{ id: 'r', delaySeconds: 5 }], wallMs: 0 });
    assert.ok(events.logs.some((log) => log.message === 'queue jobs: a@1 r@1 n@3'));
    // retryAll: everything without its own verdict goes back with the batch's delay.
    const retryAll = await connection.sendRequest(Trigger, { event: 'queue', queue: 'retry-all', messages });
    assert.deepEqual([retryAll.acked, retryAll.retried], [['a'], [{ id: 'r', delaySeconds: 5 }, { id: 'n', delaySeconds: 30 }]]);
    // The consumer threw: messages not acknowledged are retried, and the exception is reported.
    const threw = await connection.sendRequest(Trigger, { event: 'queue', queue: 'throws', messages });
    assert.equal(threw.outcome, 'exception');
    assert.match(threw.error ?? '', /^Error: the consumer failed\n\s+at .*runtime-events\/src\/index\.ts:32:/);
    assert.deepEqual([threw.acked, threw.retried], [['a'], [{ id: 'r', delaySeconds: 5 }, { id: 'n' }]]);
    // Default ids are generated.
    const generated = await connection.sendRequest(Trigger, { event: 'queue', queue: 'jobs', messages: [{ body: { verdict: 'none' } }] });
    assert.match(generated.acked?.[0] ?? '', /^[0-9a-f-]{36}$/);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('service-worker syntax: addEventListener("scheduled") with event.waitUntil; passThroughOnException is callable', async () => {
  const dev = await startDev([fixture('runtime-events-sw/worker.js'), '--port', '0']);
  try {
    assert.equal(await (await fetch(dev.url)).text(), 'sw fetch');
    const response = await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=hourly`);
    assert.equal(await response.text(), 'ok');
    await dev.waitFor('stdout', /^sw scheduled scheduled cron=hourly/m);
    await dev.waitFor('stdout', /^sw waitUntil done/m);
  } finally {
    await dev.stop();
  }
});

test('a worker with only a scheduled handler loads; a fetch gets workerd\'s error', async () => {
  const dev = await startDev([fixture('runtime-events-scheduled-only/worker.js'), '--port', '0']);
  try {
    const response = await fetch(dev.url);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /Handler does not export a fetch\(\) function\./);
    assert.equal(await (await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=x`)).text(), 'ok');
    await dev.waitFor('stdout', /^only scheduled x/m);
  } finally {
    await dev.stop();
  }
});
