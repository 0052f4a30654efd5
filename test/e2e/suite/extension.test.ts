/**
 * End-to-end tests in a real VS Code extension host (test/e2e/run.ts). The opened workspace is a temp copy of
 * test/fixtures/e2e-workspace: `hello/` (examples/hello), `bad/` (a fetch handler returning a string), `broken/`
 * (a module that throws at top level) and `state/` (module-scope state changed per request and a floating promise,
 * for the quick-fix tests, which put the file's text back when done).
 * No sleeps: every wait is on an event (diagnostics, DAP messages, debug sessions) with a timeout that says what was seen.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, BREAKPOINT_TEXT, MUTABLE_GLOBAL_STATE, FLOATING_PROMISE, STATE_ENTRY, studioApi, workspaceFolder, inWorkspace, lineOf, sendRequest, waitForEvent, codeOf, isStudio, waitForDiagnostics, quickFixesAt, editThenRestore, within, DapRecorder, DebugSessions, startWorker } from './support.ts';

suite('Worker Studio in VS Code', () => {
  let dap: DapRecorder;
  let sessions: DebugSessions;

  suiteSetup(() => {
    dap = new DapRecorder();
    sessions = new DebugSessions();
  });

  suiteTeardown(async () => {
    if (sessions.size) await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    dap.dispose();
    sessions.dispose();
  });

  test('the extension activates in the workspace', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(
      extension,
      `${EXTENSION_ID} is not loaded; extensions: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')}`,
    );
    console.log(`    (${EXTENSION_ID} ${extension.isActive ? 'was already active (workspaceContains)' : 'was not active yet: activating'})`);
    await within(extension.activate(), 30_000, () => `${EXTENSION_ID} activate()`);
    assert.ok(extension.isActive);
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['workerStudio.start', 'workerStudio.stop', 'workerStudio.sendRequest']) {
      assert.ok(commands.includes(command), `command ${command} is not registered after activation`);
    }
  });

  test('a fetch handler returning a string gets a handler-type diagnostic on the fetch line', async () => {
    const file = inWorkspace('bad', 'src', 'index.ts');
    const fetchLine = lineOf(file, /\bfetch\s*\(/);
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const diagnostic = await waitForDiagnostics(file, (ds) => ds.find((d) => codeOf(d) === 'handler-type'), 45_000, 'no handler-type diagnostic');
    assert.equal(diagnostic.range.start.line, fetchLine, `handler-type diagnostic is on line ${diagnostic.range.start.line + 1}, expected the fetch line ${fetchLine + 1}: ${diagnostic.message}`);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error, `severity ${diagnostic.severity}: ${diagnostic.message}`);
  });

  test('module-scope state changed in a fetch handler gets a mutable-global-state warning on that line', async () => {
    const file = inWorkspace(...STATE_ENTRY);
    const countLine = lineOf(file, 'count++');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const diagnostic = await waitForDiagnostics(file, (ds) => ds.find(isStudio(MUTABLE_GLOBAL_STATE)), 45_000, `no ${MUTABLE_GLOBAL_STATE} warning`);
    assert.equal(diagnostic.range.start.line, countLine, `${MUTABLE_GLOBAL_STATE} is on line ${diagnostic.range.start.line + 1}, expected the count++ line ${countLine + 1}: ${diagnostic.message}`);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning, `severity ${diagnostic.severity}: ${diagnostic.message}`);
    assert.match(diagnostic.message, /`count`/, 'the message names the binding');
    assert.match(diagnostic.message, /instances/, 'the message says why: requests are spread over instances');
  });

  test('the mutable-global-state quick fix moves `count` into the handler and the warning goes away', async () => {
    const file = inWorkspace(...STATE_ENTRY);
    await editThenRestore(file, async (document) => {
      const diagnostic = await waitForDiagnostics(file, (ds) => ds.find(isStudio(MUTABLE_GLOBAL_STATE)), 45_000, `no ${MUTABLE_GLOBAL_STATE} warning`);
      const actions = await quickFixesAt(file, diagnostic.range);
      const offered = () => `quick fixes offered: ${actions.map((a) => JSON.stringify(a.title)).join(', ') || 'none'}`;
      const move = actions.find((a) => a.title === 'Move `count` into the handler');
      assert.ok(move?.edit, `no "Move \`count\` into the handler" fix with an edit; ${offered()}`);
      assert.equal(move.isPreferred, true, 'the rule\'s own fix is the preferred one');
      assert.ok(
        actions.some((a) => a.title === `Suppress ${MUTABLE_GLOBAL_STATE} on this line (// worker-studio-ignore-next-line)` && a.edit),
        `no worker-studio-ignore-next-line suppression; ${offered()}`,
      );

      assert.equal(await vscode.workspace.applyEdit(move.edit), true, 'workspace.applyEdit refused the fix');
      const lines = document.getText().split(/\r?\n/);
      const handler = lines.findIndex((line) => /async fetch\(/.test(line));
      assert.ok(handler >= 0, `no fetch handler left:\n${document.getText()}`);
      assert.equal(lines[handler + 1]?.trim(), 'let count = 0;', `the declaration does not open the handler's body:\n${document.getText()}`);
      assert.ok(!lines.some((line) => /^let count\b/.test(line)), `the module-scope declaration is still there:\n${document.getText()}`);

      // The server checks the edited (unsaved) text: the warning goes, the floating-promise one (untouched) stays.
      await waitForDiagnostics(
        file,
        (ds) => (!ds.some(isStudio(MUTABLE_GLOBAL_STATE)) && ds.some(isStudio(FLOATING_PROMISE)) ? true : undefined),
        30_000,
        `after the fix, still a ${MUTABLE_GLOBAL_STATE} warning (or no ${FLOATING_PROMISE} one)`,
      );
    });
  });

  test('a fetch neither awaited nor passed to waitUntil gets floating-promise, and "Wrap in ctx.waitUntil(…)" fixes it', async () => {
    const file = inWorkspace(...STATE_ENTRY);
    const fetchLine = lineOf(file, /^\s*fetch\(/);
    await editThenRestore(file, async (document) => {
      // Both warnings: the file's own text (put back by the previous test) is what the server has checked.
      const diagnostic = await waitForDiagnostics(
        file,
        (ds) => (ds.some(isStudio(MUTABLE_GLOBAL_STATE)) ? ds.find(isStudio(FLOATING_PROMISE)) : undefined),
        45_000,
        `no ${FLOATING_PROMISE} warning beside the ${MUTABLE_GLOBAL_STATE} one`,
      );
      assert.equal(diagnostic.range.start.line, fetchLine, `${FLOATING_PROMISE} is on line ${diagnostic.range.start.line + 1}, expected the fetch line ${fetchLine + 1}: ${diagnostic.message}`);
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning, `severity ${diagnostic.severity}: ${diagnostic.message}`);
      assert.match(diagnostic.message, /ctx\.waitUntil\(\)/, 'the message names ctx.waitUntil()');

      const actions = await quickFixesAt(file, diagnostic.range);
      const wrap = actions.find((a) => a.title === 'Wrap in ctx.waitUntil(…)');
      assert.ok(wrap?.edit, `no "Wrap in ctx.waitUntil(…)" fix with an edit; quick fixes offered: ${actions.map((a) => JSON.stringify(a.title)).join(', ') || 'none'}`);
      assert.equal(await vscode.workspace.applyEdit(wrap.edit), true, 'workspace.applyEdit refused the fix');
      assert.equal(document.lineAt(fetchLine).text.trim(), 'ctx.waitUntil(fetch(`https://example.com/log?count=${count}`));', `the fetch line after the fix:\n${document.getText()}`);

      await waitForDiagnostics(
        file,
        (ds) => (!ds.some(isStudio(FLOATING_PROMISE)) && ds.some(isStudio(MUTABLE_GLOBAL_STATE)) ? true : undefined),
        30_000,
        `after the fix, still a ${FLOATING_PROMISE} warning (or no ${MUTABLE_GLOBAL_STATE} one)`,
      );
    });
  });

  test('F5 (debug type worker) runs hello and workerStudio.sendRequest gets its responses', async () => {
    const folder = workspaceFolder();
    const hello = inWorkspace('hello').fsPath;
    const started = await within(
      vscode.debug.startDebugging(folder, { type: 'worker', request: 'launch', name: 'Run Worker', path: hello }),
      45_000,
      () => `startDebugging(type worker, path ${hello}); DAP so far:\n${dap.summary()}`,
    );
    assert.equal(started, true, `startDebugging returned false; DAP so far:\n${dap.summary()}`);
    assert.ok(vscode.debug.activeDebugSession, 'no active debug session after startDebugging');

    const root = await within(sendRequest({ method: 'GET', path: '/' }), 20_000, () => 'workerStudio.sendRequest GET /');
    assert.ok(root, 'workerStudio.sendRequest returned nothing for GET /');
    assert.equal(root.status, 200, `GET / → ${JSON.stringify(root)}`);
    assert.equal(root.body, 'Hello from Worker Studio!\n');
    assert.equal(typeof root.statusText, 'string');
    assert.equal(typeof root.wallMs, 'number');
    assert.ok(Array.isArray(root.headers), `headers should be [name, value][]: ${JSON.stringify(root.headers)}`);
    const contentType = root.headers.find(([name]) => name.toLowerCase() === 'content-type');
    assert.equal(contentType?.[1], 'text/plain; charset=utf-8');

    const json = await within(sendRequest({ method: 'GET', path: '/json?x=1' }), 20_000, () => 'workerStudio.sendRequest GET /json?x=1');
    assert.ok(json, 'workerStudio.sendRequest returned nothing for GET /json?x=1');
    assert.equal(json.status, 200, `GET /json?x=1 → ${JSON.stringify(json)}`);
    let body: { method?: string; path?: string; query?: Record<string, string> };
    try {
      body = JSON.parse(json.body) as typeof body;
    } catch {
      assert.fail(`GET /json?x=1 body is not JSON: ${json.body}`);
    }
    assert.equal(body.method, 'GET');
    assert.equal(body.path, '/json');
    assert.deepEqual(body.query, { x: '1' });
  });

  test('a breakpoint in hello/src/index.ts stops a request, shows the TS frame, and continues', async () => {
    assert.ok(vscode.debug.activeDebugSession, 'needs the debug session of the previous test');
    const file = inWorkspace('hello', 'src', 'index.ts');
    const line = lineOf(file, BREAKPOINT_TEXT);
    const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(file, new vscode.Position(line, 0)));

    const beforeAdd = dap.mark();
    vscode.debug.addBreakpoints([breakpoint]);
    try {
      // Wait until the session that runs the worker (js-debug's child session) has answered setBreakpoints: from then on
      // the breakpoint is set in V8 (by URL), so it hits whether the worker's script is already loaded or loads per request.
      const answer = await dap.waitFor(
        beforeAdd,
        ({ session, fromAdapter, message: m }) =>
          fromAdapter && session.parentSession && m.type === 'response' && m.command === 'setBreakpoints' ? m : undefined,
        20_000,
        `no setBreakpoints answer from the worker's (child) debug session for hello/src/index.ts:${line + 1}`,
      );
      if (!answer.body?.breakpoints?.some((b) => b.verified)) {
        console.log(`    (breakpoint not verified yet: ${JSON.stringify(answer.body?.breakpoints)}; sending the request anyway)`);
      }

      const beforeRequest = dap.mark();
      let settled: string | undefined;
      const pending = sendRequest({ method: 'GET', path: '/' }).then(
        (result) => ((settled = `resolved ${JSON.stringify(result)}`), result),
        (err: unknown) => {
          settled = `rejected ${String(err)}`;
          throw err;
        },
      );
      pending.catch(() => undefined); // awaited below; no unhandled rejection while we wait for the stop

      // `stopped` comes from the child session (js-debug's "Remote Process [0]"), not the one startDebugging made.
      const stopped = await dap.waitFor(
        beforeRequest,
        (r) => (r.fromAdapter && r.message.type === 'event' && r.message.event === 'stopped' ? r : undefined),
        20_000,
        `the request did not stop at the breakpoint (request ${settled ?? 'still pending'})`,
      );
      const threadId = stopped.message.body?.threadId;
      assert.equal(typeof threadId, 'number', `stopped event without threadId: ${JSON.stringify(stopped.message)}`);

      const trace = (await stopped.session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 5 })) as {
        stackFrames: Array<{ name: string; line: number; column: number; source?: { path?: string; name?: string } }>;
      };
      const top = trace.stackFrames[0];
      const frames = trace.stackFrames.map((f) => `${f.name} ${f.source?.path ?? f.source?.name ?? '?'}:${f.line}`).join(' | ');
      assert.ok(top, 'empty stack trace at the stop');
      assert.ok(top.source?.path?.replace(/\\/g, '/').endsWith('hello/src/index.ts'), `top frame is not in hello/src/index.ts: ${frames}`);
      assert.equal(top.line, line + 1, `top frame line (1-based) should be the breakpoint's ${line + 1}: ${frames}`);

      await stopped.session.customRequest('continue', { threadId });
      const result = await within(pending, 20_000, () => `the request after continue (DAP since the request:\n${dap.summary(beforeRequest)})`);
      assert.ok(result, 'workerStudio.sendRequest returned nothing after the stop');
      assert.equal(result.status, 200, JSON.stringify(result));
      assert.equal(result.body, 'Hello from Worker Studio!\n');
    } finally {
      vscode.debug.removeBreakpoints([breakpoint]);
    }
  });

  test('stopDebugging ends the debug session and the worker sidecar process', async () => {
    assert.ok(sessions.size > 0, 'no debug session is running');
    const api = studioApi();
    const pids = api.workers().map((w) => w.pid);
    assert.equal(pids.length, 1, `expected the one worker of the debug session, got ${JSON.stringify(api.workers())}`);
    const workersGone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running: ${JSON.stringify(api.workers())}`);
    await sessions.stopAll();
    await workersGone;
    for (const pid of pids) {
      assert.throws(() => process.kill(pid!, 0), /ESRCH/, `the sidecar process ${pid} is still alive after the debug session ended`);
    }
    // (activeDebugSession is updated by a separate message that may trail the terminate events: reported, not asserted)
    if (vscode.debug.activeDebugSession) console.log(`    (activeDebugSession still reports ${vscode.debug.activeDebugSession.name})`);
  });

  test('F5 on a worker that fails to load starts no session and leaves no sidecar behind', async () => {
    const api = studioApi();
    assert.deepEqual(api.workers(), [], 'needs no running worker (the stop test ends the F5 one)');
    const broken = inWorkspace('broken').fsPath;
    // The sidecar becomes ready (serving an error page) before the launch fails: note its pid when it is listed.
    const pids = new Set<number>();
    const noting = api.onDidChangeWorkers(() => {
      for (const { pid } of api.workers()) if (pid !== undefined) pids.add(pid);
    });
    const sessionsBefore = sessions.size;
    try {
      const started = await within(
        vscode.debug.startDebugging(workspaceFolder(), { type: 'worker', request: 'launch', name: 'Broken', path: broken }),
        45_000,
        () => `startDebugging(type worker, path ${broken}); workers: ${JSON.stringify(api.workers())}`,
      );
      assert.equal(started, false, `startDebugging of a worker that fails to load returned true; sessions: ${sessions.names()}`);
    } finally {
      noting.dispose();
    }
    assert.equal(sessions.size, sessionsBefore, `a debug session was started: ${sessions.names()}`);
    await waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running after the failed launch: ${JSON.stringify(api.workers())}`);
    assert.ok(pids.size > 0, 'the broken worker never showed up in workers() (did its sidecar become ready?)');
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `the sidecar process ${pid} of the broken worker is still alive after the failed launch`);
    }
  });

  test('a sidecar that dies (SIGKILL) leaves the worker list', async () => {
    const api = studioApi();
    assert.deepEqual(api.workers(), [], 'needs no running worker');
    const worker = await startWorker(inWorkspace('hello').fsPath);
    assert.ok(worker.pid, `the started worker has no pid: ${JSON.stringify(worker)}`);
    assert.equal(api.workerUrl(), worker.url);

    const gone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still listed after SIGKILL of sidecar ${worker.pid}: ${JSON.stringify(api.workers())}`);
    process.kill(worker.pid, 'SIGKILL');
    await gone;
    assert.equal(api.workerUrl(), undefined, 'workerUrl() still points at the killed worker');
    assert.throws(() => process.kill(worker.pid!, 0), /ESRCH/, `the sidecar process ${worker.pid} is still alive`);
  });
});
