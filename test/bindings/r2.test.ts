// R2 against Miniflare (test/fixtures/bindings-r2): objects and their metadata (HTTP, custom, checksums, etags),
// ranges, conditional reads and writes, list order, paging, delimiters and include, deletes, and R2's errors.
import { describeAgainstMiniflare } from './miniflare.ts';

describeAgainstMiniflare({
  title: 'R2: Worker Studio answers as Miniflare does',
  fixture: 'bindings-r2',
  compatibilityDate: '2026-07-01',
  miniflare: { r2Buckets: { BUCKET: 'r2-compare' } },
  cases: ['basics', 'metadata', 'checksums', 'ranges', 'conditional', 'list', 'deletes'],
});
