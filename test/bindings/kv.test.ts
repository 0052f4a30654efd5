// KV against the reference: test/fixtures/bindings-kv runs under Miniflare and under `worker-studio dev --no-persist`;
// each case (a path) runs the same KV calls on both, in the same order on fresh storage, and the JSON answers (values,
// metadata, list pages, and the errors thrown, by name and message) must be equal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';
import { startMiniflare, type Reference } from './miniflare.ts';

const CASES = ['basics', 'types', 'metadata', 'validation', 'expiration', 'list', 'bulk', 'large'];

describe('KV: Worker Studio answers as Miniflare does', () => {
  let reference: Reference;
  let dev: DevProcess;
  before(async () => {
    ensureRuntimeBuilt();
    [reference, dev] = await Promise.all([
      startMiniflare(fixture('bindings-kv/src/index.js'), { compatibilityDate: '2026-07-01', kvNamespaces: { KV: 'kv-compare' } }),
      startDev([fixture('bindings-kv'), '--port', '0', '--no-persist']),
    ]);
  });
  after(async () => {
    await reference?.dispose();
    if (dev) assert.equal(await dev.stop(), 0);
  });

  for (const name of CASES) {
    test(name, async () => {
      const expected = await reference.fetch(`/${name}`);
      const actual = await fetch(`${dev.url}/${name}`);
      const [expectedBody, actualBody] = [await expected.text(), await actual.text()];
      assert.equal(expected.status, 200, `the reference failed the case: ${expectedBody}`);
      assert.equal(actual.status, expected.status, actualBody);
      assert.deepEqual(JSON.parse(actualBody), JSON.parse(expectedBody));
    });
  }
});
