// `dev --inspect`: the CDP relay. A breakpoint set by URL binds before the first request, pauses it,
// evaluates on the frame, and resuming completes the response.
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { CdpClient } from './cdp.ts';
import { ensureRuntimeBuilt, repoRoot, startDev, type DevProcess } from './helpers.ts';

let dev: DevProcess;
let inspectorPort: number;
let wsUrl: string;

before(async () => {
  ensureRuntimeBuilt();
  // One instance: these tests are about the relay and one context (several instances: test/runtime/instances.test.ts).
  dev = await startDev([path.join(repoRoot, 'examples/hello'), '--port', '0', '--inspect=0', '--instances', '1']);
  const line = await dev.waitFor('stderr', /^Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/([0-9a-f-]+))$/m);
  wsUrl = line[1] as string;
  inspectorPort = Number(line[2]);
});
after(async () => assert.equal(await dev.stop(), 0));

const BUNDLE_URL = /^file:\/\/\/.*\/examples\/hello\/\.worker-studio\/bundle\.js\?v=1$/;

/** Enables the debugger and sets a breakpoint on the handler's `new URL(request.url)` line of the bundle. */
async function breakInHandler(cdp: CdpClient): Promise<{ scriptId: string; lineNumber: number; breakpointId: string }> {
  await cdp.send('Debugger.enable');
  // The module was compiled at startup: enabling the debugger announces it.
  const parsed = await cdp.waitFor('Debugger.scriptParsed', (p) => BUNDLE_URL.test(String(p.url)));
  const scriptId = String(parsed.params.scriptId);
  const { scriptSource } = await cdp.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
  const lineNumber = scriptSource.split('\n').findIndex((l) => l.includes('new URL(request.url)'));
  assert.ok(lineNumber > 0, 'the handler line is in the bundle');
  const bp = await cdp.send<{ breakpointId: string; locations: unknown[] }>('Debugger.setBreakpointByUrl', { lineNumber, urlRegex: '\\.worker-studio/bundle\\.js\\?v=1$' });
  assert.equal(bp.locations.length, 1, 'the breakpoint is bound before the first request');
  return { scriptId, lineNumber, breakpointId: bp.breakpointId };
}

test('/json/version and /json/list describe the target', async () => {
  const version = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/version`)).json()) as Record<string, string>;
  assert.equal(version['Protocol-Version'], '1.3');
  for (const route of ['/json/list', '/json']) {
    const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}${route}`)).json()) as { webSocketDebuggerUrl: string; url: string; type: string }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]!.webSocketDebuggerUrl, wsUrl);
    assert.match(list[0]!.url, BUNDLE_URL);
  }
});

test('the relay answers only on loopback and only to a loopback Host', async () => {
  // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach the inspector (fetch can't set Host).
  const status = await new Promise<number | undefined>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: inspectorPort, path: '/json/list', headers: { host: 'attacker.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
  assert.equal(status, 403);
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (external) {
    await assert.rejects(fetch(`http://${external.address}:${inspectorPort}/json/list`), /fetch failed/);
  }
});

test('breakpoint by URL binds before any request, pauses it, evaluates, resumes', async () => {
  const cdp = await CdpClient.connect(wsUrl);
  try {
    await cdp.send('Runtime.enable');
    const { scriptId, lineNumber, breakpointId } = await breakInHandler(cdp);
    // Exactly one context is the default, and it is the one the worker runs in (isolated-vm marks none).
    const parsed = await cdp.waitFor('Debugger.scriptParsed', (p) => p.scriptId === scriptId);
    const defaults = cdp.events
      .filter((e) => e.method === 'Runtime.executionContextCreated')
      .map((e) => e.params.context as { id: number; auxData: { isDefault: boolean } })
      .filter((c) => c.auxData.isDefault);
    assert.deepEqual(defaults.map((c) => c.id), [parsed.params.executionContextId]);

    const response = fetch(`${dev.url}/x?y=1`);
    const paused = await cdp.waitFor('Debugger.paused');
    const frame = (paused.params.callFrames as { callFrameId: string; location: { lineNumber: number; scriptId: string } }[])[0]!;
    assert.deepEqual([frame.location.scriptId, frame.location.lineNumber], [scriptId, lineNumber]);
    const evaluated = await cdp.send<{ result: { value: unknown } }>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'request.method' });
    assert.equal(evaluated.result.value, 'GET');
    await cdp.send('Debugger.resume');
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { path: string }).path, '/x');

    // The debug console's evaluate carries no contextId: the relay routes it to the worker's context.
    const value = await cdp.send<{ result: { value: unknown } }>('Runtime.evaluate', { expression: 'typeof Response + " " + (6 * 7)' });
    assert.equal(value.result.value, 'function 42');
    await cdp.send('Debugger.removeBreakpoint', { breakpointId });
  } finally {
    await cdp.close();
  }
});

test('closing the socket while paused resumes the worker', async () => {
  // What js-debug's Stop does: it sends no resume, it just closes the socket.
  const cdp = await CdpClient.connect(wsUrl);
  await breakInHandler(cdp);
  const response = fetch(`${dev.url}/`);
  await cdp.waitFor('Debugger.paused');
  await cdp.close();
  const res = await response;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'Hello from Worker Studio!\n');
});

test('a malformed frame closes only that socket (1011); the sidecar keeps serving and debugging', async () => {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.enable', params: {} }));
  // Wait for the worker's default context, so the relay's contextId rewrite (which parses the frame) is armed.
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      if (String(data).includes('"isDefault":true')) resolve();
    });
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('{"method":"Runtime.');
  assert.equal(await closed, 1011);
  await dev.waitFor('stderr', /^inspector: closing a debugger connection: /m);

  const res = await fetch(`${dev.url}/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'Hello from Worker Studio!\n');
  const again = await CdpClient.connect(wsUrl);
  try {
    await again.send('Runtime.enable');
    const value = await again.send<{ result: { value: unknown } }>('Runtime.evaluate', { expression: '6 * 7' });
    assert.equal(value.result.value, 42);
  } finally {
    await again.close();
  }
});
