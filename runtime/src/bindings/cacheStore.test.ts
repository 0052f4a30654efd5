// What the Miniflare comparison can't show without waiting: a cached response is served until its freshness runs out,
// then it is a miss (and gone).
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { CacheStore } from './cacheStore.ts';

test('a response is a hit until max-age has passed, then a miss', () => {
  let now = 1_800_000_000_000;
  const cache = new CacheStore(new DatabaseSync(':memory:'), () => now);
  const body = new TextEncoder().encode('hello');
  assert.equal(cache.put('default', 'https://x/a', [], { status: 200, headers: [['cache-control', 'max-age=60']], body }), true);
  now += 59_000;
  assert.equal(cache.match('default', 'https://x/a', [])?.status, 200);
  now += 2_000;
  assert.equal(cache.match('default', 'https://x/a', []), null);
  assert.equal(cache.delete('default', 'https://x/a'), false, 'the expired entry was removed when met');
});
