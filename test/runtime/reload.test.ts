// Live reload: a save rebuilds; new requests see the new code, a request in flight finishes on the old one; a build
// error keeps the old code serving and is reported with file:line; fixing it serves the fix.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

test('live reload: new code on save, in-flight requests finish on the old, a build error keeps the old serving', { timeout: 60_000 }, async () => {
  ensureRuntimeBuilt();
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-reload-'));
  cpSync(fixture('runtime-reload'), project, { recursive: true });
  const versionFile = path.join(project, 'src/version.ts');
  const dev = await startDev([project, '--port', '0']);
  const text = async (route = '/') => (await fetch(dev.url + route)).text();
  try {
    assert.equal(await text(), 'version 1');

    const inFlight = text('/slow');
    await dev.waitFor('stdout', /^slow request started on version 1/m);
    writeFileSync(versionFile, 'export const VERSION = 2;\n');
    await dev.waitFor('stderr', /^↻ reloaded \(.*version\.ts\)$/m);
    assert.equal(await text(), 'version 2');
    assert.equal(await inFlight, 'version 1', 'the request in flight finished on the code it started on');

    writeFileSync(versionFile, 'export const VERSION = ;\n');
    await dev.waitFor('stderr', /version\.ts:1:24: Unexpected ";"\n {2}\(still serving the previous build\)/);
    assert.equal(await text(), 'version 2');

    writeFileSync(versionFile, 'export const VERSION = 3;\n');
    await dev.waitFor('stderr', /^↻ reloaded \(.*version\.ts\)$[\s\S]*^↻ reloaded \(.*version\.ts\)$/m);
    assert.equal(await text(), 'version 3');
    assert.equal(dev.child.exitCode, null);
  } finally {
    await dev.stop();
    rmSync(project, { recursive: true, force: true });
  }
});
