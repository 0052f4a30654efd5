// KV against Miniflare (test/fixtures/bindings-kv): values, types, metadata, KV's validation errors, expiration, list
// paging and order, bulk get, large values — the same calls on both, equal answers (errors by name and message).
import { describeAgainstMiniflare } from './miniflare.ts';

describeAgainstMiniflare({
  title: 'KV: Worker Studio answers as Miniflare does',
  fixture: 'bindings-kv',
  compatibilityDate: '2026-07-01',
  miniflare: { kvNamespaces: { KV: 'kv-compare' } },
  cases: ['basics', 'types', 'metadata', 'validation', 'expiration', 'list', 'bulk', 'large'],
});
