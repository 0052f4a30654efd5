// Durable Objects against Miniflare (test/fixtures/bindings-durable-objects): ids, RPC (structured-clone values,
// errors, a missing method), one event at a time per object (20 concurrent increments), a stub's fetch, both class
// forms, the storage API (values, list options, transactions), SQL, and an alarm — equal answers.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describeAgainstMiniflare } from './miniflare.ts';

describeAgainstMiniflare({
  title: 'Durable Objects: Worker Studio answers as Miniflare does',
  fixture: 'bindings-durable-objects',
  compatibilityDate: '2026-07-01',
  miniflare: { durableObjects: { COUNTER: { className: 'Counter', useSQLite: true }, PLAIN: { className: 'Plain', useSQLite: true } } },
  cases: ['ids', 'rpc', 'concurrency', 'fetch', 'storage', 'sql', 'alarmSet'],
  // The `who` id is derived differently (a hash of class and name here, a namespace key in Miniflare): its shape is compared.
  normalize: (answer) => JSON.parse(JSON.stringify(answer, (key, value) => (key === 'id' && typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? '<64 hex>' : value))),
  // The alarm set by `alarmSet` (50 ms ahead) runs on both: polled until both say so (no fixed wait).
  followUp: {
    name: 'the alarm set by alarmSet runs, with retryCount 0',
    run: async (ask) => {
    for (let i = 0; i < 400; i++) {
      const [expected, actual] = await Promise.all([ask.reference('/alarmState'), ask.ours('/alarmState')]);
      if (JSON.stringify(expected) === JSON.stringify(actual) && (actual as { pending: boolean }).pending === false) {
        assert.deepEqual(actual, { alarmed: { retryCount: 0 }, pending: false });
        return;
      }
      await delay(25);
    }
    assert.fail('the alarm did not run under both runtimes');
    },
  },
});
