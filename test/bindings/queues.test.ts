// Queues against Miniflare (test/fixtures/bindings-queues): one worker is producer and consumer; both runtimes get the
// same sends, then both consumers are awaited until they have seen every delivery the reference saw, and every
// delivery (queue, body and its type per content type, attempts, retries, the dead-letter queue) must be equal. Batch
// boundaries depend on timing and are not compared.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';
import { startMiniflare, type Reference } from './miniflare.ts';

/** Every delivery: 13 accepted messages, `retry-once` twice, `fail-always` 3 times on jobs and 3 on jobs-dead. */
const DELIVERIES = 18;

async function deliveries(get: () => Promise<Response>, expected: number): Promise<unknown[]> {
  // Polled: the consumers run on their own schedule (max_batch_timeout 1 s, retries); no fixed wait.
  for (let i = 0; i < 600; i++) {
    const seen = (await (await get()).json()) as unknown[];
    if (seen.length >= expected) return seen;
    await delay(25);
  }
  return (await (await get()).json()) as unknown[];
}

describe('Queues: Worker Studio delivers as Miniflare does', () => {
  let reference: Reference | undefined;
  let dev: DevProcess | undefined;
  before(async () => {
    ensureRuntimeBuilt();
    [reference, dev] = await Promise.all([
      startMiniflare(fixture('bindings-queues/src/index.js'), {
        compatibilityDate: '2026-07-01',
        kvNamespaces: { LOG: 'queue-log' },
        queueProducers: { JOBS: 'jobs', DEAD: 'jobs-dead' },
        queueConsumers: { jobs: { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 2, deadLetterQueue: 'jobs-dead' }, 'jobs-dead': { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 2 } },
      }),
      startDev([fixture('bindings-queues'), '--port', '0', '--no-persist']),
    ]);
  });
  after(async () => {
    await reference?.dispose();
    if (dev) assert.equal(await dev.stop(), 0);
  });

  test('send and sendBatch answer the same (content types, limits, errors)', async () => {
    const [expected, actual] = await Promise.all([reference!.fetch('/send').then((r) => r.json()), fetch(`${dev!.url}/send`).then((r) => r.json())]);
    assert.deepEqual(actual, expected);
  });

  test('the consumer gets the same deliveries: bodies by content type, retries, dead-letter queue', async () => {
    const expected = await deliveries(() => reference!.fetch('/received'), DELIVERIES);
    assert.equal(expected.length, DELIVERIES, `the reference delivered: ${JSON.stringify(expected)}`);
    const actual = await deliveries(() => fetch(`${dev!.url}/received`), DELIVERIES);
    assert.deepEqual(actual, expected);
    await dev!.waitFor('stderr', /message \w+ failed 3 times; moved to jobs-dead/);
  });
});
