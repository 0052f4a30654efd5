// Bindings' data on disk (runtime/src/storage/persistence.ts): kept in `.worker-studio/` of the project by default (a
// .gitignore'd folder of SQLite files), in `--persist-to DIR`, or nowhere with `--no-persist`; durable once the
// worker's promise resolved — SIGKILL right after acknowledged writes loses none of them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, runtimePid, startDev } from '../runtime/helpers.ts';

ensureRuntimeBuilt();

function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-persist-'));
  cpSync(fixture('bindings-persist'), dir, { recursive: true });
  return dir;
}

async function put(url: string, key: string, value: string, where: 'k' | 'row' = 'k'): Promise<void> {
  const res = await fetch(`${url}/${where}/${encodeURIComponent(key)}`, { method: 'PUT', body: value });
  const body = await res.text();
  assert.equal(res.status, 200, body);
}

test('SIGKILL right after acknowledged writes (KV and D1): every one of them is there after a restart', async () => {
  const dir = project();
  const state = path.join(dir, 'state');
  let dev = await startDev([dir, '--port', '0', '--persist-to', state]);
  try {
    // 8 clients writing at once, 400 KV writes and 200 D1 inserts: each counts once its response arrived (the
    // worker's put or run resolved).
    const acknowledged: string[] = [];
    const rows: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, client) => {
        for (let i = 0; i < 50; i++) {
          const key = `w/${client}/${i}`;
          await put(dev.url, key, `value ${client}.${i}`);
          acknowledged.push(key);
          if (i % 2 === 0) {
            await put(dev.url, key, 'row', 'row');
            rows.push(key);
          }
        }
      }),
    );
    // No shutdown at all: the sidecar (which holds the databases) and the CLI die at once.
    const sidecar = runtimePid(dev);
    process.kill(sidecar, 'SIGKILL');
    dev.child.kill('SIGKILL');
    await once(dev.child, 'exit');

    dev = await startDev([dir, '--port', '0', '--persist-to', state]);
    const keys = (await (await fetch(`${dev.url}/keys?prefix=w/`)).json()) as string[];
    assert.equal(acknowledged.length, 400);
    assert.deepEqual(new Set(keys), new Set(acknowledged));
    assert.equal(await (await fetch(`${dev.url}/k/${encodeURIComponent('w/7/49')}`)).text(), 'value 7.49');
    assert.equal(rows.length, 200);
    assert.deepEqual(new Set((await (await fetch(`${dev.url}/rows`)).json()) as string[]), new Set(rows));
  } finally {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('by default the data lives in .worker-studio/ of the project (git-ignored) and survives a restart', async () => {
  const dir = project();
  let dev = await startDev([dir, '--port', '0']);
  try {
    await put(dev.url, 'kept', 'across restarts');
    assert.equal(await dev.stop(), 0);
    const stateDir = path.join(dir, '.worker-studio');
    assert.ok(readdirSync(stateDir).includes('kv.sqlite'), `state folder: ${readdirSync(stateDir).join(', ')}`);
    assert.match(readFileSync(path.join(stateDir, '.gitignore'), 'utf8'), /^\*$/m);

    dev = await startDev([dir, '--port', '0']);
    assert.equal(await (await fetch(`${dev.url}/k/kept`)).text(), 'across restarts');
  } finally {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--no-persist keeps nothing on disk: a restart starts empty', async () => {
  const dir = project();
  let dev = await startDev([dir, '--port', '0', '--no-persist']);
  try {
    await put(dev.url, 'fleeting', 'x');
    assert.equal(await (await fetch(`${dev.url}/k/fleeting`)).text(), 'x');
    assert.equal(await dev.stop(), 0);
    assert.equal(existsSync(path.join(dir, '.worker-studio')), false);
    dev = await startDev([dir, '--port', '0', '--no-persist']);
    assert.equal((await fetch(`${dev.url}/k/fleeting`)).status, 404);
  } finally {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Durable Object\'s storage is kept across a restart', async () => {
  const state = mkdtempSync(path.join(os.tmpdir(), 'ws-persist-do-'));
  const fixtureDir = fixture('bindings-durable-objects');
  let dev = await startDev([fixtureDir, '--port', '0', '--persist-to', state]);
  try {
    assert.deepEqual(((await (await fetch(`${dev.url}/rpc`)).json()) as { counts: number[] }).counts, [1, 2, 7]);
    assert.equal(await dev.stop(), 0);
    assert.ok(readdirSync(path.join(state, 'do', 'Counter')).some((file) => /^[0-9a-f]{64}\.sqlite$/.test(file)));
    dev = await startDev([fixtureDir, '--port', '0', '--persist-to', state]);
    assert.deepEqual(((await (await fetch(`${dev.url}/rpc`)).json()) as { counts: number[] }).counts, [8, 9, 14]);
  } finally {
    await dev.stop();
    rmSync(state, { recursive: true, force: true });
  }
});
