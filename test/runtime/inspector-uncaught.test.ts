// "Pause on uncaught exceptions" in a worker: the runtime answers an exception that escapes a handler with a 500 page
// (so it catches it), yet a debugger breaking on uncaught exceptions stops where the worker threw it; an exception
// the worker catches itself does not stop it (runtime/isolate/settle.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWithInspector, type CdpClient } from './cdp.ts';
import { ensureRuntimeBuilt, fixture, type DevProcess } from './helpers.ts';

let dev: DevProcess;
let cdp: CdpClient;

before(async () => {
  ensureRuntimeBuilt();
  ({ dev, cdp } = await startWithInspector([fixture('runtime-uncaught'), '--instances', '1']));
  await cdp.send('Debugger.setPauseOnExceptions', { state: 'uncaught' });
});
after(async () => {
  await cdp?.close();
  assert.equal(await dev.stop(), 0);
});

interface Paused {
  reason: string;
  data?: { description?: string; uncaught?: boolean };
  callFrames: { functionName: string }[];
}

/** Requests `path`, waits for the pause it causes, resumes, and returns the pause and the answer. */
async function requestThatPauses(path: string): Promise<{ paused: Paused; status: number }> {
  const since = cdp.events.length;
  let answered = false;
  const response = fetch(`${dev.url}${path}`).then(async (res) => ((answered = true), { status: res.status, body: await res.text() }));
  response.catch(() => undefined);
  const paused = (await cdp.waitFor('Debugger.paused', () => true, 15_000, since)).params as unknown as Paused;
  assert.equal(answered, false, 'the request waits while the worker is paused');
  await cdp.send('Debugger.resume');
  return { paused, status: (await response).status };
}

for (const [path, message] of [
  ['/throw', 'thrown before any await'],
  ['/throw-later', 'thrown after an await'],
  ['/cdn-cgi/handler/scheduled', 'thrown by the scheduled handler'],
] as const) {
  test(`${path}: the exception escaping the handler pauses where the worker threw it, then the 500 page`, async () => {
    const { paused, status } = await requestThatPauses(path);
    assert.match(paused.data?.description ?? '', new RegExp(message), `paused on another exception: ${JSON.stringify(paused.data)}`);
    assert.equal(paused.data?.uncaught, true, 'V8 predicts it uncaught');
    assert.match(paused.callFrames[0]?.functionName ?? '', /^(fetch|scheduled)$/, `top frame: ${JSON.stringify(paused.callFrames.map((f) => f.functionName))}`);
    assert.equal(status, 500);
  });
}

test('an exception the worker catches itself does not pause', async () => {
  const since = cdp.events.length;
  // A pause would hold the answer: the timeout turns that into a failure that says so.
  const res = await fetch(`${dev.url}/caught`, { signal: AbortSignal.timeout(15_000) });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'caught by the worker');
  const pauses = cdp.events.slice(since).filter((e) => e.method === 'Debugger.paused');
  assert.deepEqual(pauses, [], 'no pause on an exception the worker caught');
});
