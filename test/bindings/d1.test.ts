// D1 against the reference: test/fixtures/bindings-d1 runs under Miniflare and under `worker-studio dev --no-persist`;
// the cases run in order on a fresh database on both, and the JSON answers must be equal: rows, column values and
// types, meta (changes, last_row_id, changed_db; timings and storage figures by type only — see the fixture), raw
// rows, batches and their rollback, exec, and the errors thrown (name, message, cause).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';
import { startMiniflare, type Reference } from './miniflare.ts';

const CASES = ['setup', 'run', 'read', 'binding', 'errors', 'batch', 'exec'];

/** rows_read / rows_written count the storage engine's row visits in D1; ours are estimates (d1Database.ts). */
function withoutRowCounts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRowCounts);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, key === 'rows_read' || key === 'rows_written' ? typeof inner : withoutRowCounts(inner)]),
  );
}

describe('D1: Worker Studio answers as Miniflare does', () => {
  let reference: Reference;
  let dev: DevProcess;
  before(async () => {
    ensureRuntimeBuilt();
    [reference, dev] = await Promise.all([
      startMiniflare(fixture('bindings-d1/src/index.js'), { compatibilityDate: '2026-07-01', d1Databases: { DB: 'd1-compare' } }),
      startDev([fixture('bindings-d1'), '--port', '0', '--no-persist']),
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
      assert.deepEqual(withoutRowCounts(JSON.parse(actualBody)), withoutRowCounts(JSON.parse(expectedBody)));
    });
  }
});
