import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cdpTrafficLog } from './cdpTrafficLog.ts';

test('without WORKER_STUDIO_CDP_LOG nothing is logged', () => {
  assert.equal(cdpTrafficLog({}), undefined);
});

test('WORKER_STUDIO_CDP_LOG appends one line per message: time, connection, direction, the message', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-log-'));
  try {
    const file = path.join(dir, 'cdp.log');
    const log = cdpTrafficLog({ WORKER_STUDIO_CDP_LOG: file })!;
    log(1, 'client→', '{"id":1,"method":"Debugger.enable"}');
    log(2, '←client', '{"id":1,"result":{}}');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^ *\d+\.\d #1 client→ \{"id":1,"method":"Debugger.enable"\}$/);
    assert.match(lines[1]!, /^ *\d+\.\d #2 ←client \{"id":1,"result":\{\}\}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
