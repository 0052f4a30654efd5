// What the Miniflare comparison can't show without waiting: expiry. A key past its expiration reads as missing, is
// left out of list, and is gone from the table; the cursor pages through keys in UTF-8 byte order.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { KvStore } from './kvStore.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test('a key past its expiration reads as missing, is not listed, and is removed', () => {
  let now = 1_800_000_000_000;
  const db = new DatabaseSync(':memory:');
  const kv = new KvStore(db, () => now);
  kv.put('ns', 'short', bytes('a'), { expirationTtl: 60 });
  kv.put('ns', 'long', bytes('b'), { expiration: now / 1000 + 3600 });
  kv.put('ns', 'forever', bytes('c'));
  assert.deepEqual(kv.list('ns').keys.map((k) => k.name), ['forever', 'long', 'short']);

  now += 61_000;
  assert.equal(kv.get('ns', 'short'), null);
  assert.deepEqual(kv.list('ns').keys, [{ name: 'forever' }, { name: 'long', expiration: 1_800_000_000 + 3600 }]);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM kv WHERE key = ?').get('short') as { n: number }).n, 0);
  assert.equal(new TextDecoder().decode(kv.get('ns', 'long')!.value), 'b');
});

test('namespaces are separate; cursors page in byte order', () => {
  const kv = new KvStore(new DatabaseSync(':memory:'));
  for (const key of ['b', 'a', 'é', 'Z', 'a/1']) kv.put('one', key, bytes(key));
  kv.put('two', 'a', bytes('other'));
  const first = kv.list('one', { limit: 2 });
  assert.deepEqual(first.keys.map((k) => k.name), ['Z', 'a']);
  assert.equal(first.list_complete, false);
  const second = kv.list('one', { limit: 2, cursor: first.cursor! });
  assert.deepEqual(second.keys.map((k) => k.name), ['a/1', 'b']);
  const last = kv.list('one', { limit: 2, cursor: second.cursor! });
  assert.deepEqual(last, { keys: [{ name: 'é' }], list_complete: true });
  assert.equal(new TextDecoder().decode(kv.get('two', 'a')!.value), 'other');
});
