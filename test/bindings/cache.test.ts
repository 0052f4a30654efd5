// The Cache API against Miniflare (test/fixtures/bindings-cache): what is stored under which Cache-Control / Expires /
// Set-Cookie / Vary, what match answers (headers, 304 for conditionals, 206 for a range, ignoreMethod), named caches,
// large and streamed bodies, deletes, and the errors.
import { describeAgainstMiniflare } from './miniflare.ts';

describeAgainstMiniflare({
  title: 'Cache API: Worker Studio answers as Miniflare does',
  fixture: 'bindings-cache',
  compatibilityDate: '2026-07-01',
  miniflare: { cache: true },
  cases: ['basics', 'rules', 'matching', 'named', 'bodies'],
});
