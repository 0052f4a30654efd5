// Finding the Node >= 24 the sidecar runs on: the order of the places looked at, and the message when none will do.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { findNode, NodeNotFoundError, type SearchContext } from './nodeRuntime.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ws-node-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in `node` that reports `version` for `node -p process.versions.node`. */
function fakeNode(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'node');
  writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A host like VS Code's desktop extension host: Electron's Node 20, which cannot run the sidecar itself. */
function electronHost(env: NodeJS.ProcessEnv): SearchContext {
  return { env: { WORKER_STUDIO_CACHE: path.join(tmp, 'empty-cache'), ...env }, execPath: '/opt/code/code', versions: { ...process.versions, node: '20.18.0', electron: '35.0.0' } };
}

test('this process is used when it is a real Node >= 24', async () => {
  const found = await findNode(undefined, { env: { PATH: '' }, execPath: process.execPath, versions: process.versions });
  assert.equal(found.path, process.execPath);
  assert.equal(found.source, 'this process');
});

test('an Electron host never uses itself: it takes `node` from PATH when that is >= 24, and refuses an older one', async () => {
  const old = fakeNode(path.join(tmp, 'old'), '20.20.2');
  const recent = fakeNode(path.join(tmp, 'recent'), '24.21.0');
  const found = await findNode(undefined, electronHost({ PATH: path.dirname(recent) }));
  assert.deepEqual([found.path, found.version, found.source], [recent, '24.21.0', 'PATH']);
  // The first `node` on PATH is the one a shell would run; when it is too old, nothing runs the sidecar.
  await assert.rejects(findNode(undefined, electronHost({ PATH: [path.dirname(old), path.dirname(recent)].join(path.delimiter) })), NodeNotFoundError);
});

test('the setting (explicit path) comes first, then WORKER_STUDIO_NODE', async () => {
  const fromSetting = fakeNode(path.join(tmp, 'setting'), '26.1.0');
  const fromEnv = fakeNode(path.join(tmp, 'env'), '24.0.0');
  const context = electronHost({ WORKER_STUDIO_NODE: fromEnv, PATH: '' });
  const explicit = await findNode({ path: fromSetting, source: 'setting workerStudio.nodePath' }, context);
  assert.deepEqual([explicit.path, explicit.source], [fromSetting, 'setting workerStudio.nodePath']);
  const viaEnv = await findNode(undefined, context);
  assert.deepEqual([viaEnv.path, viaEnv.source], [fromEnv, 'WORKER_STUDIO_NODE']);
});

test('when no candidate will do, the error lists what was tried and how to fix it', async () => {
  const old = fakeNode(path.join(tmp, 'old2'), '20.20.2');
  const error = await findNode({ path: '/nowhere/node', source: 'setting workerStudio.nodePath' }, electronHost({ PATH: path.dirname(old) })).then(
    () => assert.fail('expected NodeNotFoundError'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof NodeNotFoundError);
  assert.match(error.message, /needs Node\.js >= 24/);
  assert.match(error.message, /setting workerStudio\.nodePath: \/nowhere\/node \(not found\)/);
  assert.match(error.message, new RegExp(`PATH: ${old} \\(v20\\.20\\.2\\)`));
  assert.match(error.message, /managed install: .*empty-cache.* \(not found\)/);
  assert.match(error.message, /"workerStudio\.nodePath" setting/);
  assert.match(error.message, /scripts\/provision\.sh node/);
});
