import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReleasedScripts } from './releasedScripts.ts';

const parsed = (scriptId: string, executionContextId: number) => JSON.stringify({ method: 'Debugger.scriptParsed', params: { scriptId, url: 'file:///w/bundle.js?v=1', executionContextId } });
const possible = (scriptId: string) => ({ id: 7, method: 'Debugger.getPossibleBreakpoints', params: { start: { scriptId, lineNumber: 3, columnNumber: 0 } } });

test('getPossibleBreakpoints on a released instance\'s script is answered with no locations; a live one goes to V8', () => {
  let live = [1, 2];
  const scripts = new ReleasedScripts(() => live);
  scripts.fromV8(parsed('10', 2)); // the pool's first instance (context id n + 1)
  scripts.fromV8(parsed('11', 3));
  assert.equal(scripts.answer(possible('10')), undefined);
  assert.equal(scripts.answer(possible('11')), undefined);
  live = [2, 3]; // the first instance was evicted and recreated
  assert.deepEqual(scripts.answer(possible('10')), { result: { locations: [] } });
  assert.equal(scripts.answer(possible('11')), undefined);
});

test('setBreakpoint on a released instance\'s script is an error; unknown scripts, isolated-vm\'s own context and no pool go to V8', () => {
  const scripts = new ReleasedScripts(() => [5]);
  scripts.fromV8(parsed('20', 2));
  scripts.fromV8(parsed('21', 1));
  const set = (scriptId: string) => ({ id: 8, method: 'Debugger.setBreakpoint', params: { location: { scriptId, lineNumber: 1 } } });
  assert.match(String(scripts.answer(set('20'))?.error?.message), /released/);
  assert.equal(scripts.answer(set('21')), undefined);
  assert.equal(scripts.answer(set('99')), undefined);
  assert.equal(scripts.answer({ id: 9, method: 'Debugger.resume' }), undefined);
  const noPool = new ReleasedScripts(undefined);
  noPool.fromV8(parsed('20', 2));
  assert.equal(noPool.answer(possible('20')), undefined);
});
