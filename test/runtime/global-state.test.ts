// Global state, caught at run time: a request that changes module-scope state or the global object gets a warning
// pointing at the write in the source (once per site and instance); load-time initialisation, locals that shadow a module
// name, reads and per-request objects get none. Over real HTTP, two instances, requests alternating between them.
import assert from 'node:assert/strict';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { test } from 'node:test';
import { CdpClient } from './cdp.ts';
import { connectRpc, ensureRuntimeBuilt, fixture, startDev, type DevProcess } from './helpers.ts';

test.before(() => ensureRuntimeBuilt());

const ADVICE =
  'Requests may be served by different instances, and an instance can be evicted at any time: keep per-request state in the handler, and state that must last in storage (KV, Durable Objects).';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every `Global state:` line the sidecar printed (stderr: warnings), sorted. */
const warnings = (dev: DevProcess) => dev.stderr().split('\n').filter((line) => line.startsWith('Global state: ')).sort();

/** Waits until `line` has been printed `times` times (once per instance). */
const printed = (dev: DevProcess, line: string, times: number) =>
  dev.waitFor('stderr', new RegExp(Array.from({ length: times }, () => `^${escape(line)}$`).join('[\\s\\S]*'), 'm'));

async function get(dev: DevProcess, path: string): Promise<string> {
  const res = await fetch(`${dev.url}${path}`, { signal: AbortSignal.timeout(15_000) });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.text();
}

test('TypeScript module worker: a counter, a module-level Map, an imported array and globalThis under another name are reported at their TypeScript lines', async () => {
  const dev = await startDev([fixture('runtime-global-state'), '--port', '0']);
  const src = 'test/fixtures/runtime-global-state/src';
  try {
    // Negatives first, on both instances: a log line for them would be printed before the ones awaited below.
    assert.equal(await get(dev, '/quiet'), '2 ready 1');
    assert.equal(await get(dev, '/quiet'), '2 ready 1');
    // Each instance has its own counter; the write is reported once per instance however often it runs.
    assert.deepEqual([await get(dev, '/count'), await get(dev, '/count'), await get(dev, '/count'), await get(dev, '/count')], ['1', '1', '2', '2']);
    const counter = `Global state: \`count\` (module scope, declared src/index.ts:10) is changed while handling a request (src/index.ts:26:7). ${ADVICE}  (${src}/index.ts:26:7)`;
    await printed(dev, counter, 2);

    await get(dev, '/cache?a');
    await get(dev, '/cache?b');
    const map = `Global state: the Map \`seen\` (module scope, declared src/index.ts:11) is changed by .set() while handling a request (src/index.ts:30:7). ${ADVICE}  (${src}/index.ts:30:7)`;
    const array = `Global state: the Array \`recent\` (module scope, declared src/recent.ts:2) is changed by .push() while handling a request (src/recent.ts:5:3). ${ADVICE}  (${src}/recent.ts:5:3)`;
    await printed(dev, map, 2);
    await printed(dev, array, 2);

    await get(dev, '/global');
    await get(dev, '/global');
    const global = `Global state: the global \`lastPath\` (as \`scope.lastPath\`) is changed while handling a request (src/index.ts:35:7). ${ADVICE}  (${src}/index.ts:35:7)`;
    await printed(dev, global, 2);

    // Nothing else: not the load-time `seen.set('boot')`, `settings.mode = …` or `remember('boot')`, not the local `count`
    // or the per-request Map of /quiet, and the global is not reported again by the end-of-request comparison.
    assert.deepEqual(warnings(dev), [array, array, global, global, map, map, counter, counter].sort());
  } finally {
    await dev.stop();
  }
});

test('service-worker script: module-scope state, self.x, and a global defined where the build cannot see it', async () => {
  const dev = await startDev([fixture('runtime-global-state-sw/worker.js'), '--port', '0']);
  try {
    for (const path of ['/hit', '/hit', '/session?a', '/session?b', '/global', '/global', '/define', '/define']) await get(dev, path);
    const hits = `Global state: \`hits\` (module scope, declared worker.js:2) is changed while handling a request (worker.js:8:28). ${ADVICE}  (test/fixtures/runtime-global-state-sw/worker.js:8:28)`;
    const set = `Global state: the Set \`sessions\` (module scope, declared worker.js:3) is changed by .add() while handling a request (worker.js:9:32). ${ADVICE}  (test/fixtures/runtime-global-state-sw/worker.js:9:32)`;
    const self = `Global state: the global \`lastPath\` is changed while handling a request (worker.js:10:31). ${ADVICE}  (test/fixtures/runtime-global-state-sw/worker.js:10:31)`;
    const defined = `Global state: the global \`defined\` is added while handling a request (where is not known: not by a write in the worker's own modules, e.g. by a dependency or Object.defineProperty). ${ADVICE}`;
    for (const line of [hits, set, self, defined]) await printed(dev, line, 2);
    assert.deepEqual(warnings(dev), [hits, hits, set, set, self, self, defined, defined].sort());
  } finally {
    await dev.stop();
  }
});

test('the control channel gets the warning as a `warn` log with the source location', async () => {
  const { events, child, exited } = connectRpc([fixture('runtime-global-state'), '--port', '0', '--instances', '1']);
  try {
    const ready = await events.ready;
    assert.equal(await (await fetch(`${ready.url}/count`, { signal: AbortSignal.timeout(15_000) })).text(), '1');
    const deadline = Date.now() + 15_000;
    while (!events.logs.some((log) => log.message.startsWith('Global state: `count`')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const log = events.logs.find((entry) => entry.message.startsWith('Global state: `count`'));
    assert.deepEqual(log, {
      level: 'warn',
      message: `Global state: \`count\` (module scope, declared src/index.ts:10) is changed while handling a request (src/index.ts:26:7). ${ADVICE}`,
      location: `${fixture('runtime-global-state/src/index.ts')}:26:7`,
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('instrumented lines still map: a stack through one, and a breakpoint set from the source map on one', async () => {
  const dev = await startDev([fixture('runtime-global-state'), '--port', '0', '--instances', '1', '--inspect=0']);
  let cdp: CdpClient | undefined;
  try {
    const res = await fetch(`${dev.url}/throw?x`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /Error: exploded\?x\n\s+at explode \(.*runtime-global-state\/src\/index\.ts:56:9\)\n\s+at .*fetch \(.*runtime-global-state\/src\/index\.ts:40:16\)/);

    const inspector = await dev.waitFor('stderr', /^Debugger listening on (ws:\/\/\S+)$/m);
    cdp = await CdpClient.connect(inspector[1] as string);
    await cdp.send('Debugger.enable');
    const parsed = await cdp.waitFor('Debugger.scriptParsed', (p) => /\.worker-studio\/bundle\.js\?v=1$/.test(String(p.url)));
    const { scriptSource } = await cdp.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: parsed.params.scriptId });
    const inline = /sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(scriptSource);
    assert.ok(inline);
    const map = new SourceMap(JSON.parse(Buffer.from(inline[1] as string, 'base64').toString('utf8')) as SourceMapPayload);
    // What a debugger does for a breakpoint on src/index.ts:26 (`count++`): the first generated position mapped to it.
    const lines = scriptSource.split('\n');
    let target: { lineNumber: number; columnNumber: number } | undefined;
    for (let line = 0; line < lines.length && !target; line++) {
      for (let column = 0; column < (lines[line] as string).length && !target; column++) {
        const entry = map.findEntry(line, column);
        if ('originalLine' in entry && entry.generatedLine === line && entry.generatedColumn === column && entry.originalLine === 25 && entry.originalSource.endsWith('src/index.ts')) target = { lineNumber: line, columnNumber: column };
      }
    }
    assert.ok(target, 'src/index.ts:26 is mapped');
    assert.match(lines[target.lineNumber] as string, /__wsProbe\d*\(\d+, count\+\+\)/, 'the line is instrumented');
    const bp = await cdp.send<{ locations: { lineNumber: number }[] }>('Debugger.setBreakpointByUrl', { ...target, urlRegex: '\\.worker-studio/bundle\\.js\\?v=1$' });
    assert.deepEqual(bp.locations.map((l) => l.lineNumber), [target.lineNumber]);
    const response = fetch(`${dev.url}/count`, { signal: AbortSignal.timeout(15_000) });
    const paused = await cdp.waitFor('Debugger.paused');
    const frame = (paused.params.callFrames as { callFrameId: string; location: { lineNumber: number; columnNumber: number } }[])[0]!;
    const at = map.findEntry(frame.location.lineNumber, frame.location.columnNumber);
    assert.ok('originalLine' in at);
    assert.deepEqual([at.originalLine + 1, at.originalColumn + 1], [26, 7], 'paused on the TypeScript line, before the write');
    const value = await cdp.send<{ result: { value: unknown } }>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'count' });
    assert.equal(value.result.value, 0);
    await cdp.send('Debugger.resume');
    assert.equal(await (await response).text(), '1');
  } finally {
    await cdp?.close();
    await dev.stop();
  }
});
