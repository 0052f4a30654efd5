import assert from 'node:assert/strict';
import { test } from 'node:test';
import type ivm from 'isolated-vm';
import { ContextDefaults, DebuggerConnection, DebuggerConnections, EVALUATION_TIMEOUT_MS, PauseNudger, type CdpMessage, type InspectorTarget, type IsolateEvent } from './inspectorRelay.ts';

const created = (id: number, name: string) => JSON.stringify({ method: 'Runtime.executionContextCreated', params: { context: { id, name, origin: '', auxData: {} } } });
const destroyed = (id: number) => JSON.stringify({ method: 'Runtime.executionContextDestroyed', params: { executionContextId: id } });
const evaluate = (): CdpMessage => ({ id: 1, method: 'Runtime.evaluate', params: { expression: '1' } });
const only = (messages: string[]) => {
  assert.equal(messages.length, 1);
  return JSON.parse(messages[0] as string) as { params: { context: { auxData: { isDefault: boolean } } } };
};

test('marks the worker context (not isolated-vm\'s internal one) as default and fills in its id', () => {
  const defaults = new ContextDefaults();
  const message = evaluate();
  assert.equal(defaults.toV8(message), false, 'unchanged before any context is known');
  assert.equal(only(defaults.fromV8(created(1, 'default'))).params.context.auxData.isDefault, false);
  assert.equal(only(defaults.fromV8(created(2, '<isolated-vm>'))).params.context.auxData.isDefault, true);
  assert.equal(defaults.toV8(message), true);
  assert.equal(message.params?.contextId, 2);
  const compile: CdpMessage = { id: 2, method: 'Runtime.compileScript', params: { expression: '1' } };
  defaults.toV8(compile);
  assert.equal(compile.params?.executionContextId, 2);
  const names: CdpMessage = { id: 3, method: 'Runtime.globalLexicalScopeNames' };
  defaults.toV8(names);
  assert.equal(names.params?.executionContextId, 2);
  // An explicit context is respected; other methods pass through untouched.
  const explicit: CdpMessage = { id: 4, method: 'Runtime.evaluate', params: { expression: '1', contextId: 1 } };
  assert.equal(defaults.toV8(explicit), false);
  assert.equal(explicit.params?.contextId, 1);
  assert.equal(defaults.toV8({ id: 5, method: 'Debugger.enable', params: {} }), false);
  // Once the only worker context is gone there is no default to inject.
  defaults.fromV8(created(3, '<isolated-vm>'));
  defaults.fromV8(destroyed(2));
  defaults.fromV8(destroyed(3));
  assert.equal(defaults.toV8(evaluate()), false);
});

test('the default is the newest live instance\'s context, not a newer released one (isolated-vm never reports those)', () => {
  // The pool's contexts 1, 2, 3 are the inspector's 2, 3, 4 (the isolate's internal context is 1).
  let live = [1, 2];
  const defaults = new ContextDefaults(() => live);
  assert.equal(defaults.contextId, 3, 'trusted before any context is announced (a client that never enabled Runtime)');
  for (const [id, name] of [[1, 'default'], [2, '<isolated-vm>'], [3, '<isolated-vm>'], [4, '<isolated-vm>']] as const) defaults.fromV8(created(id, name));
  // Context 4 was created by a reload that failed to load: released, and still "alive" to the inspector.
  assert.equal(defaults.contextId, 3);
  live = [2, 3];
  assert.equal(defaults.contextId, 4);
  // A context the session has not heard of yet: the newest announced one meanwhile.
  live = [5];
  assert.equal(defaults.contextId, 4);
  const withoutPool = new ContextDefaults();
  withoutPool.fromV8(created(2, '<isolated-vm>'));
  withoutPool.fromV8(created(3, '<isolated-vm>'));
  assert.equal(withoutPool.contextId, 3, 'without the pool: the newest announced');
});

test('the destruction of the context last announced as default is held until another is announced (js-debug disconnects on it)', () => {
  const defaults = new ContextDefaults();
  defaults.fromV8(created(2, '<isolated-vm>'));
  defaults.fromV8(created(3, '<isolated-vm>'));
  assert.deepEqual(defaults.fromV8(destroyed(2)), [destroyed(2)], 'an older context: forwarded');
  assert.deepEqual(defaults.fromV8(destroyed(3)), [], 'the announced default: held');
  const next = defaults.fromV8(created(4, '<isolated-vm>'));
  assert.equal(next.length, 2);
  assert.equal(next[1], destroyed(3), 'released after the new default');
});

test('PauseNudger re-wakes a paused isolate until unanswered requests are answered, and hides its own answers', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const dispatched: string[] = [];
  const nudger = new PauseNudger((message) => dispatched.push(message));
  nudger.sent(1);
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, 0, 'not paused: nothing to do');

  // Request 1, dispatched while the isolate ran, may be stranded by the pause as much as one sent on it.
  nudger.notification(JSON.stringify({ method: 'Debugger.paused', params: {} }));
  nudger.sent(7);
  t.mock.timers.tick(60);
  assert.ok(dispatched.length >= 2);
  const nudgeId = (JSON.parse(dispatched[0]!) as { id: number }).id;
  assert.equal(nudger.answered(nudgeId), false, 'a nudge answer is not forwarded');
  assert.equal(nudger.answered(7), true, 'the client answer is forwarded');
  t.mock.timers.tick(60);
  assert.ok(dispatched.length >= 4, 'request 1 is still unanswered');
  assert.equal(nudger.answered(1), true);
  const count = dispatched.length;
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, count, 'stops once everything is answered');

  nudger.sent(8);
  nudger.notification(JSON.stringify({ method: 'Debugger.resumed', params: {} }));
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, count, 'resumed: no more nudges');
});

/** An inspector session that records what it is sent; the test answers for V8. */
class FakeSession {
  readonly sent: CdpMessage[] = [];
  disposed = false;
  onResponse: (callId: number, message: string) => void = () => {};
  onNotification: (message: string) => void = () => {};
  dispatchProtocolMessage(text: string): void {
    if (this.disposed) throw new Error('Session is dead');
    this.sent.push(JSON.parse(text) as CdpMessage);
  }
  dispose(): void {
    this.disposed = true;
  }
  answer(id: number, result: Record<string, unknown> = {}): void {
    this.onResponse(id, JSON.stringify({ id, result }));
  }
  /** Answers every request not answered yet with `{}`, or what `results` says for its method. */
  answerAll(results: Record<string, (params: Record<string, unknown>) => Record<string, unknown>> = {}): void {
    for (const message of this.sent.splice(0)) this.answer(message.id as number, results[message.method as string]?.(message.params ?? {}) ?? {});
  }
  notify(method: string, params: Record<string, unknown>): void {
    this.onNotification(JSON.stringify({ method, params }));
  }
}

class FakeTarget implements InspectorTarget {
  readonly url = 'file:///w/.worker-studio/bundle.js?v=1';
  readonly sessions: FakeSession[] = [];
  inspectable = true;
  watcher: ((event: IsolateEvent) => Promise<unknown> | undefined) | undefined;
  readonly pauses: boolean[] = [];
  debuggerPaused(paused: boolean): void {
    this.pauses.push(paused);
  }
  createInspectorSession(): ivm.InspectorSession {
    const session = new FakeSession();
    this.sessions.push(session);
    return session as unknown as ivm.InspectorSession;
  }
  watchIsolate(watcher: (event: IsolateEvent) => Promise<unknown> | undefined): () => void {
    this.watcher = watcher;
    return () => {};
  }
  liveContexts(): number[] {
    return [1];
  }
}

function connect() {
  const target = new FakeTarget();
  const toClient: CdpMessage[] = [];
  const connections = new DebuggerConnections(target);
  const connection = connections.open((text) => toClient.push(JSON.parse(text) as CdpMessage));
  const client = (message: CdpMessage) => connection.fromClient(JSON.stringify(message));
  return { target, connection, toClient, client, session: target.sessions[0] as FakeSession };
}

test('a new isolate gets the client\'s setup again; breakpoint ids stay the client\'s; the client learns its contexts are gone', async () => {
  const { target, connection, toClient, client, session } = connect();
  const byUrl = { lineNumber: 10, urlRegex: 'bundle\\.js\\?v=1$' };
  client({ id: 1, method: 'Runtime.enable', params: {} });
  client({ id: 2, method: 'Debugger.enable', params: { maxScriptsCacheSize: 1e7 } });
  client({ id: 3, method: 'Debugger.setPauseOnExceptions', params: { state: 'all' } });
  client({ id: 4, method: 'Debugger.setPauseOnExceptions', params: { state: 'uncaught' } });
  client({ id: 5, method: 'Debugger.setAsyncCallStackDepth', params: { maxDepth: 32 } });
  client({ id: 6, method: 'Debugger.setBlackboxPatterns', params: { patterns: ['/node_modules/'] } });
  client({ id: 7, method: 'Debugger.setBreakpointByUrl', params: byUrl });
  client({ id: 8, method: 'Debugger.setInstrumentationBreakpoint', params: { instrumentation: 'beforeScriptWithSourceMapExecution' } });
  client({ id: 9, method: 'Debugger.setBreakpoint', params: { location: { scriptId: '5', lineNumber: 3 } } });
  client({ id: 10, method: 'Debugger.setBreakpointByUrl', params: { lineNumber: 99, url: 'file:///gone.js' } });
  client({ id: 11, method: 'Debugger.removeBreakpoint', params: { breakpointId: 'bp-99' } });
  session.answerAll({
    'Debugger.setBreakpointByUrl': (p) => ({ breakpointId: `bp-${String(p.lineNumber)}`, locations: [] }),
    'Debugger.setInstrumentationBreakpoint': () => ({ breakpointId: 'instr-1' }),
    'Debugger.setBreakpoint': () => ({ breakpointId: '4:3:0:5', actualLocation: {} }),
  });
  assert.equal(toClient.filter((m) => m.id !== undefined).length, 11, 'every request answered');

  // A client request in flight when the limit hits, and a pause the client was told about.
  client({ id: 12, method: 'Runtime.getProperties', params: { objectId: 'x' } });
  session.notify('Debugger.paused', { reason: 'other', hitBreakpoints: ['bp-10'], callFrames: [] });
  assert.deepEqual(target.pauses, [true], 'the pool stops counting CPU time while paused');
  toClient.length = 0;
  const closing = target.watcher?.('closing');
  // Sent while the session closes: held for the next one.
  client({ id: 13, method: 'Runtime.evaluate', params: { expression: 'lastPath' } });
  // The session is disposed only once quiet (isolated-vm crashes if V8 sends to a disposed session): its domains
  // disabled, and every message to it answered.
  assert.equal(session.disposed, false);
  assert.deepEqual(session.sent.map((m) => m.method), ['Runtime.getProperties', 'Runtime.disable', 'Profiler.disable', 'HeapProfiler.disable', 'Debugger.disable']);
  session.notify('Debugger.resumed', {});
  session.answerAll();
  assert.equal(session.disposed, true, 'the session goes before the isolate');
  await closing;
  assert.deepEqual(target.pauses, [true, false]);
  assert.deepEqual(toClient.map((m) => m.method ?? `answer ${m.id}`), ['answer 12', 'Debugger.resumed', 'Runtime.executionContextsCleared']);

  target.watcher?.('replaced');
  const next = target.sessions[1] as FakeSession;
  assert.ok(next, 'a session on the new isolate');
  assert.deepEqual(next.sent.map((m) => [m.method, m.params]), [
    ['Runtime.enable', {}],
    ['Debugger.enable', { maxScriptsCacheSize: 1e7 }],
    ['Debugger.setPauseOnExceptions', { state: 'uncaught' }],
    ['Debugger.setAsyncCallStackDepth', { maxDepth: 32 }],
    ['Debugger.setBlackboxPatterns', { patterns: ['/node_modules/'] }],
    ['Debugger.setBreakpointByUrl', byUrl],
    ['Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptWithSourceMapExecution' }],
    // The held message, after the replay, with the new isolate's default context (pool context 1 → id 2) and a
    // time limit (a runaway evaluation is terminated by V8, not the isolate by the pool).
    ['Runtime.evaluate', { expression: 'lastPath', contextId: 2, timeout: EVALUATION_TIMEOUT_MS }],
  ]);
  assert.ok(next.sent.slice(0, 7).every((m) => (m.id as number) >= 2_100_000_000), 'the replay uses the relay\'s own ids');
  toClient.length = 0;
  // This V8 gives the replayed breakpoints other ids; one already resolves in a loaded script.
  const location = { scriptId: '7', lineNumber: 10, columnNumber: 4 };
  next.answerAll({
    'Debugger.setBreakpointByUrl': () => ({ breakpointId: 'bp-10-new', locations: [location] }),
    'Debugger.setInstrumentationBreakpoint': () => ({ breakpointId: 'instr-new' }),
  });
  assert.deepEqual(toClient, [
    { method: 'Debugger.breakpointResolved', params: { breakpointId: 'bp-10', location } },
    { id: 13, result: {} },
  ], 'replay answers stay in the relay; the resolved location is reported under the client\'s id');

  // V8's ids are translated both ways.
  toClient.length = 0;
  next.notify('Debugger.paused', { reason: 'instrumentation', hitBreakpoints: ['instr-new', 'bp-10-new'], callFrames: [] });
  next.notify('Debugger.breakpointResolved', { breakpointId: 'bp-10-new', location });
  assert.deepEqual(toClient.map((m) => (m.params as Record<string, unknown>).hitBreakpoints ?? m.params?.breakpointId), [['instr-1', 'bp-10'], 'bp-10']);
  client({ id: 14, method: 'Debugger.removeBreakpoint', params: { breakpointId: 'bp-10' } });
  assert.deepEqual(next.sent.at(-1)?.params, { breakpointId: 'bp-10-new' });
  // A breakpoint on a script of the old isolate: answered by the relay, V8 never hears of it.
  const sentBefore = next.sent.length;
  client({ id: 15, method: 'Debugger.removeBreakpoint', params: { breakpointId: '4:3:0:5' } });
  assert.equal(next.sent.length, sentBefore);
  assert.deepEqual(toClient.at(-1), { id: 15, result: {} });
  // A client's own evaluation time limit is kept.
  client({ id: 16, method: 'Debugger.evaluateOnCallFrame', params: { callFrameId: 'f', expression: 'x', timeout: 100 } });
  assert.equal(next.sent.at(-1)?.params?.timeout, 100);

  // The socket closes (while paused): the session is closed the same way (disabling the debugger resumes the isolate).
  next.answerAll();
  const closed = connection.close();
  assert.equal(next.disposed, false);
  assert.deepEqual(next.sent.map((m) => m.method), ['Runtime.disable', 'Profiler.disable', 'HeapProfiler.disable', 'Debugger.disable']);
  next.answerAll();
  assert.equal(next.disposed, true);
  await closed;
  assert.deepEqual(target.pauses.at(-1), false);
});

test('an isolate that died under its session (memory limit): the session is never touched again', () => {
  const { target, client, session, toClient } = connect();
  client({ id: 1, method: 'Runtime.enable', params: {} });
  session.answerAll();
  target.inspectable = false;
  // isolated-vm would block the host on any call into this session now.
  session.dispatchProtocolMessage = () => assert.fail('dispatched to a dead session');
  session.dispose = () => assert.fail('disposed a dead session');
  client({ id: 2, method: 'Runtime.evaluate', params: { expression: '1' } });
  assert.equal(toClient.at(-1)?.method, 'Runtime.executionContextsCleared');
  target.inspectable = true;
  target.watcher?.('replaced');
  const next = target.sessions[1] as FakeSession;
  assert.deepEqual(next.sent.map((m) => m.method), ['Runtime.enable', 'Runtime.evaluate']);
});

test('V8\'s pause before an out-of-memory crash is not shown to the client; the relay is told', () => {
  const target = new FakeTarget();
  const toClient: CdpMessage[] = [];
  let oom: DebuggerConnection | undefined;
  const connection = new DebuggerConnection({ target, send: (text) => toClient.push(JSON.parse(text) as CdpMessage), outOfMemory: (seen) => (oom = seen) });
  connection.start();
  (target.sessions[0] as FakeSession).notify('Debugger.paused', { reason: 'OOM', callFrames: [] });
  assert.equal(oom, connection);
  assert.deepEqual(toClient, []);
});
