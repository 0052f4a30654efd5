import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContextDefaults, PauseNudger } from './inspectorRelay.ts';

const created = (id: number, name: string) => JSON.stringify({ method: 'Runtime.executionContextCreated', params: { context: { id, name, origin: '', auxData: {} } } });

test('marks the worker context (not isolated-vm\'s internal one) as default and fills in its id', () => {
  const defaults = new ContextDefaults();
  const evaluate = JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: '1' } });
  assert.equal(defaults.toV8(evaluate), evaluate, 'unchanged before any context is known');
  const worker = JSON.parse(defaults.fromV8(created(2, '<isolated-vm>')));
  const internal = JSON.parse(defaults.fromV8(created(1, 'default')));
  assert.equal(worker.params.context.auxData.isDefault, true);
  assert.equal(internal.params.context.auxData.isDefault, false);
  assert.equal(JSON.parse(defaults.toV8(evaluate)).params.contextId, 2);
  const compile = JSON.parse(defaults.toV8(JSON.stringify({ id: 2, method: 'Runtime.compileScript', params: { expression: '1' } })));
  assert.equal(compile.params.executionContextId, 2);
  const names = JSON.parse(defaults.toV8(JSON.stringify({ id: 3, method: 'Runtime.globalLexicalScopeNames', params: {} })));
  assert.equal(names.params.executionContextId, 2);
  // An explicit context is respected; other methods pass through untouched.
  const explicit = JSON.stringify({ id: 4, method: 'Runtime.evaluate', params: { expression: '1', contextId: 1 } });
  assert.equal(defaults.toV8(explicit), explicit);
  const other = JSON.stringify({ id: 5, method: 'Debugger.enable', params: {} });
  assert.equal(defaults.toV8(other), other);
  // Once the context is destroyed there is no default to inject.
  defaults.fromV8(JSON.stringify({ method: 'Runtime.executionContextDestroyed', params: { executionContextId: 2 } }));
  assert.equal(defaults.toV8(evaluate), evaluate);
});

test('PauseNudger re-wakes a paused isolate until unanswered requests are answered, and hides its own answers', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const dispatched: string[] = [];
  const nudger = new PauseNudger((message) => dispatched.push(message));
  nudger.sent(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, 0, 'not paused: nothing to do');

  nudger.notification(JSON.stringify({ method: 'Debugger.paused', params: {} }));
  nudger.sent(JSON.stringify({ id: 7, method: 'Debugger.evaluateOnCallFrame', params: {} }));
  t.mock.timers.tick(60);
  assert.ok(dispatched.length >= 2);
  const nudgeId = (JSON.parse(dispatched[0]!) as { id: number }).id;
  assert.equal(nudger.answered(nudgeId), false, 'a nudge answer is not forwarded');
  assert.equal(nudger.answered(7), true, 'the client answer is forwarded');
  const count = dispatched.length;
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, count, 'stops once everything is answered');

  nudger.sent(JSON.stringify({ id: 8, method: 'Debugger.resume' }));
  nudger.notification(JSON.stringify({ method: 'Debugger.resumed', params: {} }));
  t.mock.timers.tick(100);
  assert.equal(dispatched.length, count, 'resumed: no more nudges');
});
