/**
 * Debugging a TypeScript worker in the real workbench, through VS Code's JavaScript debugger (js-debug) attached to the
 * sidecar's inspector relay: the worker is `debug/` of the E2E workspace (src/index.ts calls greet() from src/greet.ts,
 * logs, and throws on /throw; lines are found by their `// at:` markers). Every assertion is on what the Debug views
 * show, read through DAP: the stopped location, the stack, scopes and variables, evaluations, `output` events.
 * The tests run in order on one debug session (started by the first, as F5 starts it) until the restart test.
 * No sleeps: every wait is on an event (DAP traffic, the extension's worker events) with a timeout that says what was seen.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RequestRecord, SendRequestResult } from '../../../common/protocol.ts';
import { describeFrames, frameIn, PausedThread } from './pausedThread.ts';
import { DapRecorder, DebugSessions, EXTENSION_ID, inWorkspace, lineOf, sendRequest, studioApi, waitForEvent, within, workspaceFolder } from './support.ts';

const ENTRY = 'debug/src/index.ts';
const GREET = 'debug/src/greet.ts';
/** The `// at:` marker of a fixture line. */
const at = (marker: string) => `// at: ${marker}`;

/** Ports nobody listens on now (the OS picks them; closed again before they are used). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A request sent to the worker that may stop in the debugger: awaited only once the test has let it go on. */
interface PendingRequest {
  path: string;
  result: Promise<SendRequestResult | undefined>;
  /** `still pending`, or how it settled: for failure messages. */
  state(): string;
}

function send(path: string): PendingRequest {
  let settled: string | undefined;
  const result = sendRequest({ method: 'GET', path }).then(
    (value) => ((settled = `answered ${value?.status} ${JSON.stringify(value?.body)}`), value),
    (err: unknown) => {
      settled = `failed: ${String(err)}`;
      throw err;
    },
  );
  result.catch(() => undefined); // awaited later; no unhandled rejection while the test waits for the stop
  return { path, result, state: () => settled ?? 'still pending' };
}

suite('Debugging a TypeScript worker (debug/)', () => {
  let dap: DapRecorder;
  let sessions: DebugSessions;
  const records: RequestRecord[] = [];
  const subscriptions: vscode.Disposable[] = [];
  const entry = () => inWorkspace('debug', 'src', 'index.ts');
  const greetFile = () => inWorkspace('debug', 'src', 'greet.ts');
  /** The stop the tests hand on to each other while one request is paused. */
  let paused: PausedThread | undefined;
  let pending: PendingRequest | undefined;

  const breakpointAt = (file: vscode.Uri, line: number) => new vscode.SourceBreakpoint(new vscode.Location(file, new vscode.Position(line, 0)));

  /** Sends `path` and waits until it stops, at `line` of ENTRY (0-based). */
  async function sendAndStop(path: string, line: number, what: string): Promise<{ request: PendingRequest; stop: PausedThread }> {
    const since = dap.mark();
    const request = send(path);
    const stop = await PausedThread.next(dap, since, 30_000, `${what}: GET ${path} did not stop (request ${request.state()})`);
    paused = stop;
    await stop.assertAt(ENTRY, line, what);
    return { request, stop };
  }

  /** Lets a stopped request go on and returns its answer. */
  async function finish(stop: PausedThread, request: PendingRequest, since = dap.mark()): Promise<SendRequestResult> {
    await stop.continue();
    if (paused === stop) paused = undefined;
    const result = await within(request.result, 30_000, () => `GET ${request.path} after continue (${request.state()}); DAP since:\n${dap.summary(since)}`);
    assert.ok(result, `workerStudio.sendRequest returned nothing for GET ${request.path}`);
    return result;
  }

  suiteSetup(async () => {
    // A VS Code race, not ours (README, "A VS Code bug"): when the editor switches files (a step into greet.ts) while
    // it waits for the inline breakpoint candidates of index.ts, it lays index.ts's breakpoint decoration on
    // greet.ts, clamped to greet.ts's last line, and the next decoration change there stores that line as the
    // breakpoint's. Every session started after that (Restart) asks for the wrong line. Without the candidates
    // VS Code does not wait, so the race can't happen; the Restart tests need that to be deterministic.
    await vscode.workspace.getConfiguration('debug').update('showInlineBreakpointCandidates', false, vscode.ConfigurationTarget.Global);
    dap = new DapRecorder();
    sessions = new DebugSessions();
    subscriptions.push(dap, sessions, studioApi().onDidCompleteRequest((record) => records.push(record)));
  });

  // A test that fails while a request is stopped must not leave the worker paused for the tests after it.
  teardown(async function () {
    if (this.currentTest?.state !== 'failed' || !paused) return;
    await paused.continue().catch(() => undefined);
    paused = pending = undefined;
  });

  suiteTeardown(async () => {
    if (sessions.size) await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const subscription of subscriptions) subscription.dispose();
    await vscode.workspace.getConfiguration('debug').update('showInlineBreakpointCandidates', undefined, vscode.ConfigurationTarget.Global);
  });

  test('F5 in debug/src/index.ts runs debug/; a TS breakpoint set before the start stops the first request on its line', async () => {
    const api = studioApi();
    assert.deepEqual(api.workers(), [], 'needs no running worker (the tests before this file stop theirs)');
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const callLine = lineOf(entry(), at('call greet'));
    vscode.debug.addBreakpoints([breakpointAt(entry(), callLine)]);
    // F5 with no launch.json runs `workerStudio.debug` (package.json keybinding): the worker of the active editor's folder.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(entry()));
    const started = performance.now();
    const ok = await within(Promise.resolve(vscode.commands.executeCommand<boolean>('workerStudio.debug')), 45_000, () => `workerStudio.debug; DAP so far:\n${dap.summary()}`);
    assert.equal(ok, true, `workerStudio.debug did not start a debug session; DAP so far:\n${dap.summary()}`);
    console.log(`    (F5 → debug session in ${Math.round(performance.now() - started)} ms)`);
    assert.equal(api.workers().length, 1, `expected the debug/ worker: ${JSON.stringify(api.workers())}`);

    ({ request: pending, stop: paused } = await sendAndStop('/?name=ada', callLine, 'the first request'));
  });

  test('Variables: the paused frame shows its locals with their values', async () => {
    assert.ok(paused, 'needs the stop of the previous test');
    const locals = await paused.variables(/^Local/);
    const shown = locals.map((v) => `${v.name}=${v.value}`).join(', ');
    assert.equal(locals.find((v) => v.name === 'name')?.value, "'ada'", `local "name"; locals: ${shown}`);
    assert.match(locals.find((v) => v.name === 'url')?.value ?? '', /\/\?name=ada$/, `local "url"; locals: ${shown}`);
    assert.ok(locals.some((v) => v.name === 'request'), `no "request" in the locals: ${shown}`);
  });

  test('Watch and Debug Console evaluate in the paused worker frame', async () => {
    assert.ok(paused, 'needs the stop of the first test');
    assert.equal(await paused.evaluate('name.length', 'watch'), '3', 'watch expression name.length');
    assert.equal(await paused.evaluate("url.searchParams.get('name') + '@' + url.pathname", 'repl'), "'ada@/'", 'Debug Console expression');
    // The Debug Console calls the worker's own functions, as bundled from the other module.
    assert.equal(await paused.evaluate('greet(name)', 'repl'), "'Hello, ADA!'", 'Debug Console call of greet()');
  });

  test('step in goes to greet() in greet.ts with the caller on the call stack; step over; step out returns to index.ts', async () => {
    assert.ok(paused, 'needs the stop of the first test');
    const callLine = lineOf(entry(), at('call greet'));
    paused = await paused.step('stepIn');
    const frames = await paused.assertAt(GREET, lineOf(greetFile(), at('greet first')), 'step in');
    assert.equal(frames[0]?.name, 'greet', `the top frame's name: ${describeFrames(frames)}`);
    // The call stack shows the original file:line of every worker frame, the caller included.
    assert.ok(frameIn(frames[1], ENTRY) && frames[1]?.line === callLine + 1, `the caller frame should be ${ENTRY}:${callLine + 1}: ${describeFrames(frames)}`);
    assert.equal(await paused.evaluate('name', 'watch', frames[0]!.id), "'ada'", 'greet()\'s parameter in its own frame');

    paused = await paused.step('next');
    await paused.assertAt(GREET, lineOf(greetFile(), at('greet second')), 'step over');
    assert.equal((await paused.variables(/^Local/)).find((v) => v.name === 'shouted')?.value, "'ADA'", 'the local assigned by the stepped-over line');

    // V8 stops in the caller right after the call returns: on the call's line when something is left to do there, or at
    // the next statement (here: the assignment is done, so the console.log line).
    paused = await paused.step('stepOut');
    const back = (await paused.stack())[0];
    const logLine = lineOf(entry(), at('log'));
    if (!frameIn(back, ENTRY) || ![callLine + 1, logLine + 1].includes(back?.line ?? 0)) {
      assert.fail(`step out should return to ${ENTRY} (line ${callLine + 1} or ${logLine + 1}); it stopped at ${describeFrames(await paused.stack())}`);
    }
  });

  test('console.log reaches the Debug Console as an output event located at its TS line', async () => {
    assert.ok(paused && pending, 'needs the stop of the first test');
    const logLine = lineOf(entry(), at('log'));
    // Step out may have returned to the call's line or already to the console.log's.
    if ((await paused.stack())[0]?.line !== logLine + 1) paused = await paused.step('next');
    await paused.assertAt(ENTRY, logLine, 'step over to the console.log');
    const since = dap.mark();
    paused = await paused.step('next');
    const output = await dap.waitFor(
      since,
      ({ fromAdapter, message: m }) => (fromAdapter && m.event === 'output' && String(m.body?.output).includes('greeted ada') ? m.body : undefined),
      20_000,
      'no DAP output event "greeted ada" for the console.log',
    );
    const source = output.source as { path?: string } | undefined;
    assert.ok(source?.path?.replace(/\\/g, '/').endsWith(ENTRY), `the output's source should be ${ENTRY} (clickable in the Debug Console): ${JSON.stringify(output)}`);
    assert.equal(output.line, logLine + 1, `the output's line: ${JSON.stringify(output)}`);

    const result = await finish(paused, pending);
    assert.equal(result.status, 200, JSON.stringify(result));
    assert.equal(result.body, 'Hello, ADA! (v1) [dev]\n');
    paused = pending = undefined;
  });

  test('with "Uncaught Exceptions" on, a request to a route that throws stops at the throw', async () => {
    const session = sessions.child();
    const throwLine = lineOf(entry(), at('throw'));
    await session.customRequest('setExceptionBreakpoints', { filters: ['uncaught'] });
    try {
      const since = dap.mark();
      const request = send('/throw');
      const stop = await PausedThread.next(dap, since, 30_000, `GET /throw did not stop on the exception (request ${request.state()})`);
      paused = stop;
      await stop.assertAt(ENTRY, throwLine, 'the uncaught exception');
      assert.equal(stop.reason, 'exception', `the stop's reason`);
      const result = await finish(stop, request);
      assert.equal(result.status, 500, `GET /throw after continue: ${JSON.stringify(result)}`);
    } finally {
      await session.customRequest('setExceptionBreakpoints', { filters: [] });
    }
  });

  test('after an edit of index.ts the worker reloads and the breakpoint still stops the next request on its line', async () => {
    const callLine = lineOf(entry(), at('call greet'));
    const respondLine = lineOf(entry(), at('respond'));
    const document = await vscode.workspace.openTextDocument(entry());
    await vscode.window.showTextDocument(document);
    const v1 = document.lineAt(respondLine).text.indexOf('(v1)');
    assert.ok(v1 >= 0, `no "(v1)" on line ${respondLine + 1} of ${ENTRY}`);
    const version = new vscode.Range(respondLine, v1, respondLine, v1 + 4);
    // Edits of those four characters only: a whole-text replacement would move the breakpoint with the text.
    const replaceVersion = async (text: string) => {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(entry(), version, text);
      assert.equal(await vscode.workspace.applyEdit(edit), true, 'workspace.applyEdit refused the edit');
      assert.equal(await document.save(), true, `could not save ${ENTRY}`);
    };
    try {
      const done = reloaded('the save of index.ts');
      await replaceVersion('(v2)');
      await done;
      const { request, stop } = await sendAndStop('/?name=bob', callLine, 'the first request after the reload');
      const result = await finish(stop, request);
      assert.equal(result.body, 'Hello, BOB! (v2) [dev]\n', 'the request ran the edited code');
    } finally {
      const done = reloaded('putting index.ts back');
      await replaceVersion('(v1)');
      await done;
    }
  });

  test('after every instance is evicted the breakpoint stops the next request on its line', async () => {
    const callLine = lineOf(entry(), at('call greet'));
    // As the Workers view's "Evict All Instances" does.
    const evicted = await vscode.commands.executeCommand<number[] | undefined>('workerStudio.evictAll');
    assert.ok(evicted && evicted.length > 0, `no instance was evicted: ${JSON.stringify(evicted)}`);
    const { request, stop } = await sendAndStop('/?name=eve', callLine, 'the first request after the eviction');
    const result = await finish(stop, request);
    assert.equal(result.status, 200, JSON.stringify(result));
  });

  test('the breakpoint is hit in whichever instance serves: two requests stop, served by both instances', async () => {
    const callLine = lineOf(entry(), at('call greet'));
    const served = new Set<number | undefined>();
    for (const name of ['one', 'two']) {
      const { request, stop } = await sendAndStop(`/?name=${name}`, callLine, `request ${name}`);
      await finish(stop, request);
      const record = await waitForEvent(studioApi().onDidCompleteRequest, () => records.find((r) => r.url === `/?name=${name}`), 20_000, () => `no request record for /?name=${name}`);
      served.add(record.instance);
    }
    assert.deepEqual([...served].sort(), [1, 2], `the instances that served the two requests (the pool never picks the same one twice in a row)`);
  });

  test('Restart reloads the worker in the same sidecar (fresh instances, code from disk) and the breakpoint binds again', async () => {
    const api = studioApi();
    const before = api.workers();
    assert.equal(before.length, 1, `expected the debug/ worker: ${JSON.stringify(before)}`);
    const callLine = lineOf(entry(), at('call greet'));
    const lines = vscode.debug.breakpoints.map((b) => (b instanceof vscode.SourceBreakpoint ? `${vscode.workspace.asRelativePath(b.location.uri)}:${b.location.range.start.line + 1}` : 'other'));
    assert.deepEqual(lines, [`debug/src/index.ts:${callLine + 1}`], 'the breakpoint the restarted session sets again');
    const since = dap.mark();
    const started = performance.now();
    // The worker reloads once the debugger is attached again and has set its breakpoints (debugSessions.ts).
    const done = reloaded('Restart');
    await within(Promise.resolve(vscode.commands.executeCommand('workbench.action.debug.restart')), 30_000, () => `workbench.action.debug.restart; DAP since:\n${dap.summary(since)}`);
    await done;
    const beforeRequest = dap.mark();
    const { request, stop } = await sendAndStop('/?name=again', callLine, 'the first request after Restart').catch((err: unknown) => {
      throw new Error(`${String(err)}\nDAP since the restart:\n${dap.summary(since, 120)}\n(request at ${beforeRequest - since})`);
    });
    console.log(`    (Restart → reloaded, re-attached and stopped at the breakpoint in ${Math.round(performance.now() - started)} ms)`);
    assert.equal((await finish(stop, request)).status, 200);
    assert.deepEqual(api.workers(), before, 'Restart reuses the sidecar: same URL, same process');
  });

  test('"Restart Worker" (Workers view) on the debugged worker reloads it in the same sidecar; the session goes on', async () => {
    const api = studioApi();
    const before = api.workers();
    const callLine = lineOf(entry(), at('call greet'));
    const done = reloaded('"Restart Worker"');
    await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.restart')), 30_000, () => 'workerStudio.restart');
    await done;
    const { request, stop } = await sendAndStop('/?name=view', callLine, 'the first request after "Restart Worker"');
    assert.equal((await finish(stop, request)).status, 200);
    assert.deepEqual(api.workers(), before, 'the debugged worker keeps its sidecar (its debugger stays attached)');
    assert.ok(sessions.size > 0, 'the debug session ended');
  });

  test('stopping the session stops the sidecar: no process is left', async () => {
    const api = studioApi();
    const pids = api.workers().map((w) => w.pid);
    assert.equal(pids.length, 1, `expected the debug/ worker: ${JSON.stringify(api.workers())}`);
    const gone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running: ${JSON.stringify(api.workers())}`);
    await vscode.debug.stopDebugging();
    await gone;
    for (const pid of pids) assert.throws(() => process.kill(pid!, 0), /ESRCH/, `the sidecar process ${pid} is still alive after the session ended`);
  });

  test('a launch configuration with config, env, instances, port and inspectPort runs the worker that way', async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const api = studioApi();
    const [port, inspectPort] = await freePorts(2);
    const launch = {
      type: 'worker',
      request: 'launch',
      name: 'Debug staging',
      config: '${workspaceFolder}/debug/wrangler.toml',
      env: 'staging',
      instances: 1,
      port,
      inspectPort,
    };
    const ok = await within(vscode.debug.startDebugging(workspaceFolder(), launch), 45_000, () => `startDebugging ${JSON.stringify(launch)}; DAP:\n${dap.summary()}`);
    assert.equal(ok, true, `startDebugging ${JSON.stringify(launch)} returned false; see the Worker Studio log`);
    try {
      assert.equal(api.workerUrl(), `http://127.0.0.1:${port}`, 'the worker serves on the configured port');
      const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as unknown[];
      assert.equal(targets.length, 1, 'the debugger endpoint is on the configured inspectPort');
      for (const name of ['one', 'two']) {
        const result = await within(sendRequest({ method: 'GET', path: `/?name=${name}&launch=1` }), 30_000, () => `GET /?name=${name}`);
        assert.equal(result?.body, `Hello, ${name.toUpperCase()}! (v1) [staging]\n`, 'the [env.staging] vars apply');
      }
      // A request's record follows its response (once its waitUntil work is done): wait for both.
      const launched = () => records.filter((r) => r.url.endsWith('&launch=1'));
      await waitForEvent(api.onDidCompleteRequest, () => (launched().length === 2 ? true : undefined), 20_000, () => `records: ${JSON.stringify(launched())}`);
      assert.deepEqual(launched().map((r) => r.instance), [1, 1], 'one instance serves every request');
    } finally {
      const gone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running: ${JSON.stringify(api.workers())}`);
      await vscode.debug.stopDebugging();
      await gone;
    }
  });

  test('attach: a "worker" attach configuration debugs `worker-studio dev --inspect-wait=PORT` and leaves it running', async () => {
    const callLine = lineOf(entry(), at('call greet'));
    vscode.debug.addBreakpoints([breakpointAt(entry(), callLine)]);
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const node = process.env.WORKER_STUDIO_NODE ?? process.execPath;
    const child = spawn(node, [path.join(extension.extensionPath, 'bin', 'worker-studio'), 'dev', inWorkspace('debug').fsPath, '--port', '0', '--inspect-wait=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    const exited = once(child, 'exit');
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.text += chunk));
    try {
      const lines = (pattern: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(output.text);
            if (match) resolve(match);
          };
          check();
          child.stdout.on('data', check);
          child.stderr.on('data', check);
          void exited.then(() => reject(new Error(`worker-studio dev exited before printing ${String(pattern)}:\n${output.text}`)));
        });
      const inspector = await within(lines(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//), 45_000, () => `worker-studio dev printed:\n${output.text}`);
      const ready = await within(lines(/Ready on (http:\/\/127\.0\.0\.1:\d+)/), 45_000, () => `worker-studio dev printed:\n${output.text}`);

      // Sent before the debugger attaches: --inspect-wait holds it until the debugger has set its breakpoints.
      let answered: string | undefined;
      const response = fetch(`${ready[1]}/?name=attached`).then(async (res) => ((answered = `${res.status}`), { status: res.status, body: await res.text() }));
      response.catch(() => undefined);
      const since = dap.mark();
      const attach = { type: 'worker', request: 'attach', name: 'Attach to Worker', port: Number(inspector[1]) };
      const ok = await within(vscode.debug.startDebugging(workspaceFolder(), attach), 30_000, () => `startDebugging ${JSON.stringify(attach)}`);
      assert.equal(ok, true, `startDebugging ${JSON.stringify(attach)} returned false`);
      const stop = await PausedThread.next(dap, since, 30_000, `the request to the attached worker did not stop (answered: ${answered ?? 'not yet'})`);
      paused = stop;
      await stop.assertAt(ENTRY, callLine, 'the attached worker');
      await stop.continue();
      paused = undefined;
      const result = await within(response, 30_000, () => 'the response after continue');
      assert.equal(result.status, 200, result.body);

      await sessions.stopAll();
      assert.equal(child.exitCode, null, 'ending an attach session leaves the worker running');
      assert.equal((await fetch(`${ready[1]}/?name=after`)).status, 200, 'the worker still serves after the debugger left');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    }
  });

  /**
   * Resolves once every instance has been replaced by a new build from now on (a `reloaded` eviction each): from then
   * on, every request runs the new code. Call it before what causes the reload.
   */
  function reloaded(what: string, instances = 2): Promise<unknown> {
    const seen = new Set<number>();
    const noting = studioApi().onDidEvict((e) => e.reason === 'reloaded' && seen.add(e.instance));
    const all = waitForEvent(studioApi().onDidEvict, () => (seen.size >= instances ? true : undefined), 30_000, () => `${what}: instances reloaded so far: ${[...seen].join(', ') || 'none'}`);
    return all.finally(() => noting.dispose());
  }
});
