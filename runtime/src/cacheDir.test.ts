import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isPrivateDir, privateCacheDir, v8CacheDir } from './cacheDir.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ws-cachedir-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the V8 cache lives under WORKER_STUDIO_CACHE (or ~/.cache/worker-studio), never in the shared tmpdir', () => {
  assert.equal(v8CacheDir({ WORKER_STUDIO_CACHE: '/x/y' }), '/x/y/v8cache');
  assert.equal(v8CacheDir({}), path.join(os.homedir(), '.cache', 'worker-studio', 'v8cache'));
});

test('missing levels are created one by one with mode 0700', { skip: process.platform === 'win32' }, () => {
  const root = path.join(tmp, 'a', 'b');
  const dir = privateCacheDir(true, { WORKER_STUDIO_CACHE: root });
  assert.equal(dir, path.join(root, 'v8cache'));
  for (const level of [path.join(tmp, 'a'), root, dir]) assert.equal(lstatSync(level).mode & 0o777, 0o700, level);
  assert.equal(privateCacheDir(false, { WORKER_STUDIO_CACHE: root }), dir);
});

test('a group/other-writable folder, a symlink or a file is refused', { skip: process.platform === 'win32' }, () => {
  const open = path.join(tmp, 'open');
  mkdirSync(path.join(open, 'v8cache'), { recursive: true });
  chmodSync(path.join(open, 'v8cache'), 0o777);
  assert.equal(privateCacheDir(true, { WORKER_STUDIO_CACHE: open }), undefined);

  const target = path.join(tmp, 'elsewhere');
  mkdirSync(target, { mode: 0o700 });
  const linked = path.join(tmp, 'linked');
  mkdirSync(linked, { mode: 0o700 });
  symlinkSync(target, path.join(linked, 'v8cache'));
  assert.equal(isPrivateDir(target), true);
  assert.equal(privateCacheDir(true, { WORKER_STUDIO_CACHE: linked }), undefined);

  assert.equal(isPrivateDir(path.join(tmp, 'nope')), false);
  // Node's recursive mkdir spins forever under /proc: this must simply fail.
  assert.equal(privateCacheDir(true, { WORKER_STUDIO_CACHE: '/proc/none/cache' }), undefined);
});
