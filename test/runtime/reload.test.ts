// Live reload: a save rebuilds; new requests see the new code, a request in flight finishes on the old one; a build
// error keeps the old code serving and is reported with file:line; fixing it serves the fix.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Reload, Stop } from '../../common/protocol.ts';
import { connectRpc, ensureRuntimeBuilt, fixture, startDev } from './helpers.ts';

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

test('reloads under concurrent requests: none dropped or failed; runtime/reload answers once the new code serves', { timeout: 60_000 }, async () => {
  ensureRuntimeBuilt();
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-reload-'));
  cpSync(fixture('runtime-reload'), project, { recursive: true });
  const versionFile = path.join(project, 'src/version.ts');
  const sidecar = connectRpc([project, '--port', '0']);
  try {
    const { url } = await sidecar.events.ready;
    let running = true;
    const failures: string[] = [];
    let answered = 0;
    // Four clients send requests back to back for the whole test.
    const client = async () => {
      while (running) {
        try {
          const response = await fetch(url);
          const body = await response.text();
          if (response.status !== 200 || !/^version \d+$/.test(body)) failures.push(`${response.status} ${body.slice(0, 200)}`);
          answered++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    // Saved as editors with "safe write" do (a new file renamed over the old): a build never sees a half-written file.
    const save = (text: string) => {
      writeFileSync(`${versionFile}.tmp`, text);
      renameSync(`${versionFile}.tmp`, versionFile);
    };
    for (let version = 2; version <= 16; version++) {
      save(`export const VERSION = ${version};\n`);
      assert.deepEqual(await sidecar.connection.sendRequest(Reload), { reloaded: true });
      assert.equal(await (await fetch(url)).text(), `version ${version}`, 'a request after the reload answered gets the new code');
    }
    save('export const VERSION = ;\n');
    const failed = await sidecar.connection.sendRequest(Reload);
    assert.equal(failed.reloaded, false);
    assert.match(failed.error ?? '', /version\.ts:1:24: Unexpected ";"/);
    assert.equal(await (await fetch(url)).text(), 'version 16', 'the previous build keeps serving');
    running = false;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.ok(answered >= 30, `${answered} requests answered during the reloads`);
  } finally {
    await sidecar.connection.sendRequest(Stop).catch(() => {});
    await sidecar.exited;
    rmSync(project, { recursive: true, force: true });
  }
});
