// D1 against Miniflare (test/fixtures/bindings-d1): rows and column types, meta (changes, last_row_id, changed_db;
// timings and storage figures by type only — see the fixture), raw rows, batches and their rollback, exec, and the
// errors thrown (name, message, cause).
import { describeAgainstMiniflare } from './miniflare.ts';

/** rows_read / rows_written count the storage engine's row visits in D1; ours are estimates (d1Database.ts). */
function withoutRowCounts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRowCounts);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, key === 'rows_read' || key === 'rows_written' ? typeof inner : withoutRowCounts(inner)]),
  );
}

describeAgainstMiniflare({
  title: 'D1: Worker Studio answers as Miniflare does',
  fixture: 'bindings-d1',
  compatibilityDate: '2026-07-01',
  miniflare: { d1Databases: { DB: 'd1-compare' } },
  cases: ['setup', 'run', 'read', 'binding', 'errors', 'batch', 'exec'],
  normalize: withoutRowCounts,
});
