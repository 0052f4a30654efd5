// Timers, keys and outbound requests belong to the worker instance: disposing it leaves nothing on the host.
// Drives WorkerIsolate directly in a child `node --no-node-snapshot` (isolated-vm needs it), which must exit by itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, repoRoot } from './helpers.ts';

test('disposing a worker clears its host timers, aborts its outbound fetches and drops its keys', async () => {
  ensureRuntimeBuilt();
  const closed: string[] = [];
  const server = http.createServer((req, res) => {
    res.on('close', () => closed.push(req.url!));
    res.writeHead(200).write('partial'); // never ends
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const child = spawn(process.execPath, ['--no-node-snapshot', path.join(fixture('runtime-host-dispose'), 'run.ts'), path.join(repoRoot, 'dist/prelude.js'), target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(killer);
    assert.equal(signal, null, `the child did not exit by itself (something kept its event loop alive)\n${stdout}\n${stderr}`);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout.trim()) as { ok: boolean; ticks: number; before: Record<string, number>; after: Record<string, number>; logsAfterDispose: string[] };
    assert.equal(report.ok, true);
    assert.ok(report.ticks >= 2, `interval ticked ${report.ticks} times`);
    assert.ok(report.before.timers >= 2 && report.before.requests === 2 && report.before.keys >= 1, JSON.stringify(report.before));
    assert.deepEqual(report.after, { timers: 0, requests: 0, keys: 0 });
    assert.deepEqual(report.logsAfterDispose, []);
    for (let i = 0; i < 50 && closed.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(closed.sort(), ['/slow', '/slow-upload']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
