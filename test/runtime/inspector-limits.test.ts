// `dev --inspect` when the worker hits a limit: the pool replaces the whole isolate, and the debugger's socket stays
// open: the relay tells the client the old contexts are gone, opens a session on the new isolate and replays the
// client's setup, so a breakpoint set by URL before the limit pauses the next request at the same line. And the
// Debug Console (Runtime.evaluate without a contextId) always evaluates in a live instance: after a limit, after a
// reload, and after a reload that failed to load.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { Evict } from '../../common/protocol.ts';
import { CdpClient, debuggerUrl, startWithInspector } from './cdp.ts';
import { connectRpc, ensureRuntimeBuilt, fixture, startDev, type DevProcess } from './helpers.ts';

test.before(() => ensureRuntimeBuilt());

const FIXTURE = fixture('runtime-inspector-limits');
/** The TypeScript line (0-based) the tests break on. */
const SOURCE_LINE = readFileSync(path.join(FIXTURE, 'src/index.ts'), 'utf8').split('\n').findIndex((l) => l.includes('// the tests break here'));
const BUNDLE_URL = /\/\.worker-studio\/bundle\.js\?v=1$/;

interface Frame {
  callFrameId: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

/** The bundle's inline source map, as a debugger reads it from `scriptParsed`. */
function sourceMapOf(parsed: Record<string, unknown>): SourceMap {
  const url = String(parsed.sourceMapURL);
  const base64 = /^data:application\/json;(?:charset=utf-8;)?base64,(.*)$/.exec(url)?.[1];
  assert.ok(base64, `an inline source map (${url.slice(0, 40)}…)`);
  return new SourceMap(JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as SourceMapPayload);
}

/** Where a position of the bundle is in the user's source (file name and 0-based line). */
function original(map: SourceMap, line: number, column: number): { file: string; line: number } | undefined {
  const entry = map.findEntry(line, column);
  return 'originalSource' in entry && entry.originalSource ? { file: path.basename(entry.originalSource), line: entry.originalLine } : undefined;
}

/**
 * A breakpoint on a TypeScript line, set as js-debug sets one in a source-mapped file: the generated line found
 * through the source map, set by URL (a regex of the bundle's URL) so it binds in every script with that URL.
 */
async function breakOnSourceLine(cdp: CdpClient): Promise<{ breakpointId: string; bundleLine: number; scriptId: string; map: SourceMap }> {
  const parsed = await cdp.waitFor('Debugger.scriptParsed', (p) => BUNDLE_URL.test(String(p.url)));
  const map = sourceMapOf(parsed.params);
  const scriptId = String(parsed.params.scriptId);
  const { scriptSource } = await cdp.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
  const bundleLine = scriptSource.split('\n').findIndex((text, line) => {
    const column = text.search(/\S/);
    const at = column < 0 ? undefined : original(map, line, column);
    return at?.file === 'index.ts' && at.line === SOURCE_LINE;
  });
  assert.ok(bundleLine >= 0, 'the source line is in the bundle');
  const bp = await cdp.send<{ breakpointId: string; locations: unknown[] }>('Debugger.setBreakpointByUrl', { lineNumber: bundleLine, urlRegex: '\\.worker-studio/bundle\\.js\\?v=1$' });
  assert.equal(bp.locations.length, 1, 'bound in the running instance');
  return { breakpointId: bp.breakpointId, bundleLine, scriptId, map };
}

/** Waits for the next pause (after event index `since`) and checks it is on the breakpoint's source line. */
async function pausedOnLine(cdp: CdpClient, since: number, bp: { breakpointId: string; map: SourceMap }): Promise<Frame> {
  const paused = await cdp.waitFor('Debugger.paused', () => true, 15_000, since);
  const frame = (paused.params.callFrames as Frame[])[0] as Frame;
  assert.deepEqual(original(bp.map, frame.location.lineNumber, frame.location.columnNumber), { file: 'index.ts', line: SOURCE_LINE });
  assert.deepEqual(paused.params.hitBreakpoints, [bp.breakpointId], 'the hit is reported under the id the client was given');
  return frame;
}

/**
 * A request to the worker that fails (rather than hanging the test) when it gets no response. Its failure is the
 * test's once awaited; one left pending by a step that failed (the sidecar is stopped) is not reported instead.
 */
function get(url: string): Promise<Response> {
  const response = fetch(url, { signal: AbortSignal.timeout(15_000) });
  response.catch(() => {});
  return response;
}

/** The sidecar's last lines of stderr, indented. */
const stderrTail = (dev: DevProcess) => dev.stderr().trimEnd().split('\n').slice(-30).join('\n  ');

/**
 * Runs a test's steps against a sidecar started with the debugger, then closes the socket and stops the sidecar (which
 * must exit cleanly). Every step that waits has a time limit well within the test's, so a hang fails that step, and
 * the failure says where the debugger was: the last CDP messages both ways, how the sidecar ended and what it printed.
 * Should the test still time out (the steps adding up), the same is written to stderr.
 */
async function debugging(t: TestContext, dev: DevProcess, cdp: CdpClient, steps: () => Promise<void>): Promise<void> {
  const onAbort = () => process.stderr.write(`${t.name}: ${String(t.signal.reason)}\n${cdp.traffic()}\nsidecar stderr (last lines):\n  ${stderrTail(dev)}\n`);
  t.signal.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  try {
    await steps();
  } catch (err) {
    failure = err;
  }
  t.signal.removeEventListener('abort', onAbort);
  const traffic = cdp.traffic();
  await cdp.close();
  const code = await dev.stop();
  if (failure === undefined) {
    assert.equal(code, 0, `the sidecar exits cleanly; its stderr:\n${dev.stderr()}`);
    return;
  }
  // The CDP client's timeouts carry its traffic already.
  const what = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
  const cause = failure instanceof Error && failure.cause !== undefined ? `\n(cause: ${String(failure.cause)})` : '';
  const context = `${what.includes('CDP messages') ? '' : `\n${traffic}`}\nsidecar exit code ${code}; its stderr (last lines):\n  ${stderrTail(dev)}`;
  const error = new Error(`${what}${cause}${context}`);
  // Where the step failed, not where it was reported.
  const frames = failure instanceof Error ? (failure.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
  error.stack = [`Error: ${error.message}`, ...frames].join('\n');
  throw error;
}

async function evaluateOn(cdp: CdpClient, frame: Frame, expression: string): Promise<unknown> {
  return (await cdp.send<{ result: { value: unknown } }>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression })).result.value;
}

/** What VS Code's Debug Console does while not paused: Runtime.evaluate without a contextId. */
async function consoleEvaluate(cdp: CdpClient, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await cdp.send<{ result: { value?: unknown; description?: string }; exceptionDetails?: unknown }>('Runtime.evaluate', { expression });
  assert.equal(exceptionDetails, undefined, `${expression} threw: ${result.description}`);
  return result.value;
}

test('a breakpoint by URL keeps binding across a CPU-limit isolate replacement, over the same socket; time paused is no CPU time', { timeout: 60_000 }, async (t) => {
  const { dev, cdp } = await startWithInspector([FIXTURE, '--cpu-limit-ms', '50', '--instances', '1']);
  await debugging(t, dev, cdp, async () => {
    await cdp.send('Debugger.setPauseOnExceptions', { state: 'uncaught' });
    const bp = await breakOnSourceLine(cdp);

    // Hit once; sit on the breakpoint for much longer than the CPU limit (as a developer would): not a CPU overrun.
    let since = cdp.events.length;
    const first = get(`${dev.url}/first`);
    const frame = await pausedOnLine(cdp, since, bp);
    assert.equal(frame.location.scriptId, bp.scriptId);
    await sleep(300);
    assert.equal(await evaluateOn(cdp, frame, 'path'), '/first');
    // Evaluations while paused are the debugger's work, not the request's: 200 ms of CPU here is no overrun either.
    assert.equal(await evaluateOn(cdp, frame, 'for (const end = Date.now() + 200; Date.now() < end;); path'), '/first');
    // A runaway evaluation is terminated (by V8, after a time limit: the relay sets 5 s where the client sets none),
    // not the isolate.
    await assert.rejects(cdp.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'for (;;);', timeout: 300 }), /Execution was terminated/);
    await cdp.send('Debugger.resume');
    const res = await first;
    assert.equal(res.status, 200, 'not stopped by the CPU limit');
    assert.equal(await res.text(), 'version 1 path /first');

    // Over the CPU limit: the pool disposes the isolate and starts a new one.
    since = cdp.events.length;
    const looped = await fetch(`${dev.url}/loop`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(looped.status, 503);
    assert.match(await looped.text(), /more CPU time than the limit of 50 ms/);
    await cdp.waitFor('Runtime.executionContextsCleared', () => true, 15_000, since);
    const cleared = cdp.events.findIndex((e, i) => i >= since && e.method === 'Runtime.executionContextsCleared');
    // The new isolate's scripts and contexts arrive on the same socket.
    const reparsed = await cdp.waitFor('Debugger.scriptParsed', (p) => BUNDLE_URL.test(String(p.url)), 15_000, cleared);
    await cdp.waitFor('Runtime.executionContextCreated', (p) => (p.context as { auxData: { isDefault: boolean } }).auxData.isDefault, 15_000, cleared);

    // The next request pauses on the same line, in the new isolate's script.
    since = cdp.events.length;
    const second = get(`${dev.url}/second`);
    const again = await pausedOnLine(cdp, since, bp);
    assert.equal(again.location.scriptId, reparsed.params.scriptId);
    assert.equal(again.location.lineNumber, bp.bundleLine);
    assert.equal(await evaluateOn(cdp, again, 'path'), '/second');
    await cdp.send('Debugger.resume');
    assert.equal(await (await second).text(), 'version 1 path /second');

    // The Debug Console evaluates in the live instance: the one that just served /second.
    assert.equal(await consoleEvaluate(cdp, 'lastPath'), '/second');

    // The client's breakpoint id still works for removal; the next request runs through.
    await cdp.send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId });
    since = cdp.events.length;
    assert.equal(await (await get(`${dev.url}/third`)).text(), 'version 1 path /third');
    assert.equal(cdp.events.slice(since).some((e) => e.method === 'Debugger.paused'), false);
    assert.ok(cdp.open, 'the debugger socket stayed open throughout');
  });
});

test('out of memory with a debugger attached: 503, no hang, and the breakpoint binds in the new isolate', { timeout: 60_000 }, async (t) => {
  const { dev, cdp } = await startWithInspector([FIXTURE, '--memory-limit-mb', '64', '--instances', '1']);
  await debugging(t, dev, cdp, async () => {
    const bp = await breakOnSourceLine(cdp);
    let since = cdp.events.length;
    const res = await fetch(`${dev.url}/oom`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /ran out of memory \(limit 64 MB\)/);
    await dev.waitFor('stderr', /^↻ #1 evicted: memory limit \(64 MB\)$/m);
    await cdp.waitFor('Runtime.executionContextsCleared', () => true, 15_000, since);
    // V8's pause before the out-of-memory crash is the relay's cue; the client never sees it.
    assert.equal(cdp.events.slice(since).some((e) => e.method === 'Debugger.paused'), false);

    since = cdp.events.length;
    const next = get(`${dev.url}/after`);
    const frame = await pausedOnLine(cdp, since, bp);
    assert.equal(await evaluateOn(cdp, frame, 'path'), '/after');
    await cdp.send('Debugger.resume');
    assert.equal(await (await next).text(), 'version 1 path /after');
    assert.equal(await consoleEvaluate(cdp, 'lastPath'), '/after');
  });
});

test('an isolate that dies at its memory limit under a session it could not close: SIGTERM still ends the sidecar', { timeout: 60_000 }, async () => {
  // Without the Debugger domain V8 does not pause before running out of memory, so the relay cannot close its
  // session first: isolated-vm disposes the isolate with the session open, and deadlocks when it frees that isolate
  // (on one of its threads, which the process's exit then waits for forever).
  const dev = await startDev([FIXTURE, '--port', '0', '--inspect=0', '--memory-limit-mb', '64', '--instances', '1']);
  const cdp = await CdpClient.connect(await debuggerUrl(dev));
  try {
    await cdp.send('Runtime.enable');
    const res = await fetch(`${dev.url}/oom`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 503);
    await dev.waitFor('stderr', /^↻ #1 evicted: memory limit \(64 MB\)$/m);
    assert.equal((await fetch(`${dev.url}/after`, { signal: AbortSignal.timeout(10_000) })).status, 200, 'the new isolate serves');
  } finally {
    await cdp.close();
  }
  // The sidecar must end by itself: dev.stop() would SIGKILL it after 5 s, hiding the hang.
  const exited = once(dev.child, 'exit');
  dev.child.kill('SIGTERM');
  const ended = await Promise.race([exited.then(() => true), sleep(4_000).then(() => false)]);
  if (!ended) await dev.stop();
  assert.ok(ended, `the sidecar did not end within 4 s of SIGTERM; its stderr (last lines):\n  ${stderrTail(dev)}`);
});

test('after a reload the Debug Console evaluates in the new code; a reload that fails to load leaves it on the live code', { timeout: 60_000 }, async (t) => {
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-inspector-reload-'));
  cpSync(FIXTURE, project, { recursive: true });
  const versionFile = path.join(project, 'src/version.ts');
  const { dev, cdp } = await startWithInspector([project]);
  try {
    await debugging(t, dev, cdp, async () => {
      assert.equal(await consoleEvaluate(cdp, 'workerVersion'), 1);

      writeFileSync(versionFile, 'export const VERSION = 2;\n');
      await dev.waitFor('stderr', /^↻ reloaded \(.*version\.ts\)$/m);
      assert.equal(await consoleEvaluate(cdp, 'workerVersion'), 2);
      assert.equal(await (await get(`${dev.url}/x`)).text(), 'version 2 path /x');

      // Builds, but throws while loading: its context was the newest created, and is released, never destroyed.
      writeFileSync(versionFile, 'export const VERSION = 3;\nthrow new Error("broken on load");\n');
      await dev.waitFor('stderr', /broken on load[\s\S]*\(still serving the previous build\)/);
      assert.equal(await consoleEvaluate(cdp, 'workerVersion'), 2);
      assert.equal(await (await get(`${dev.url}/y`)).text(), 'version 2 path /y');
    });
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('after an eviction the Debug Console evaluates in the fresh instance, not the released one', { timeout: 60_000 }, async () => {
  const { connection, events, child, exited } = connectRpc([FIXTURE, '--port', '0', '--inspect=0', '--instances', '2']);
  let cdp: CdpClient | undefined;
  try {
    const ready = await events.ready;
    const [target] = (await (await fetch(`http://127.0.0.1:${ready.inspectorPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    cdp = await CdpClient.connect((target as { webSocketDebuggerUrl: string }).webSocketDebuggerUrl);
    await cdp.send('Runtime.enable');
    // Both instances serve once (no affinity: two requests in a row never land on the same one).
    await fetch(`${ready.url}/one`);
    await fetch(`${ready.url}/two`);
    assert.equal(typeof (await consoleEvaluate(cdp, 'lastPath')), 'string');
    // Instance 2 (the newest, so the default) is replaced: its released context still answers the inspector.
    assert.deepEqual(await connection.sendRequest(Evict, { instance: 2 }), { evicted: [2] });
    assert.equal(await consoleEvaluate(cdp, 'typeof lastPath'), 'undefined', 'the fresh instance has served nothing yet');
    assert.equal(await consoleEvaluate(cdp, 'workerVersion'), 1);
  } finally {
    await cdp?.close();
    child.kill('SIGTERM');
    await exited;
  }
});
