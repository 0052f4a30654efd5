// `dev --inspect-wait`: requests wait until a debugger has set itself up (its `Runtime.runIfWaitingForDebugger`), so a
// breakpoint set by then binds before the first request, however early that request comes (F5 then a request at once).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CdpClient, debuggerUrl } from './cdp.ts';
import { ensureRuntimeBuilt, repoRoot, startDev, type DevProcess } from './helpers.ts';

let dev: DevProcess;
let wsUrl: string;

before(async () => {
  ensureRuntimeBuilt();
  dev = await startDev([path.join(repoRoot, 'examples/hello'), '--port', '0', '--inspect-wait=0', '--instances', '1']);
  wsUrl = await debuggerUrl(dev);
  await dev.waitFor('stderr', /^Requests wait for a debugger to attach \(--inspect-wait\)$/m);
});
after(async () => assert.equal(await dev.stop(), 0));

test('a request sent before the debugger is set up waits for it, then stops at the breakpoint it set meanwhile', async () => {
  let settled: string | undefined;
  const response = fetch(`${dev.url}/json`).then(async (res) => ((settled = `answered ${res.status}`), { status: res.status, body: await res.text() }));
  response.catch((err: unknown) => (settled = `failed: ${String(err)}`));

  const cdp = await CdpClient.connect(wsUrl);
  try {
    await cdp.send('Runtime.enable');
    await cdp.send('Debugger.enable');
    // A line in the handler: the bundle's `new URL(request.url)`.
    const parsed = cdp.events.find((e) => e.method === 'Debugger.scriptParsed' && /\.worker-studio\/bundle\.js\?v=1$/.test(String(e.params.url)));
    assert.ok(parsed, `the worker's bundle was announced on Debugger.enable\n${cdp.traffic()}`);
    const { scriptSource } = await cdp.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: parsed.params.scriptId });
    const lineNumber = scriptSource.split('\n').findIndex((l) => l.includes('new URL(request.url)'));
    const bp = await cdp.send<{ locations: unknown[] }>('Debugger.setBreakpointByUrl', { lineNumber, urlRegex: '\\.worker-studio/bundle\\.js\\?v=1$' });
    assert.equal(bp.locations.length, 1, 'the breakpoint is bound');
    // Several round trips later the request has still not run: it waits for the debugger.
    assert.equal(settled, undefined, 'the request was answered before the debugger said it was set up');

    await cdp.send('Runtime.runIfWaitingForDebugger');
    const paused = await cdp.waitFor('Debugger.paused');
    const top = (paused.params.callFrames as { location: { lineNumber: number } }[])[0];
    assert.equal(top?.location.lineNumber, lineNumber, `the request stopped at the breakpoint\n${cdp.traffic()}`);
    await cdp.send('Debugger.resume');
    const answer = await response;
    assert.equal(answer.status, 200, answer.body);
  } finally {
    await cdp.close();
  }
});

test('once a debugger has been set up, requests no longer wait (even with no debugger attached)', async () => {
  const res = await fetch(`${dev.url}/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'Hello from Worker Studio!\n');
});
