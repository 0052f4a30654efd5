import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgsError, DEFAULT_INSPECT_PORT, DEFAULT_PORT, parseDevArgs } from './args.ts';

test('defaults: cwd, port 8787, no inspector, no rpc', () => {
  assert.deepEqual(parseDevArgs([], '/p'), { path: '/p', port: DEFAULT_PORT, inspectPort: undefined, rpc: false, testScheduled: false });
});

test('path, --port N, --port=N, --inspect, --inspect=N, --rpc, --test-scheduled', () => {
  assert.deepEqual(parseDevArgs(['x', '--port', '0', '--inspect', '--rpc', '--test-scheduled'], '/p'), { path: 'x', port: 0, inspectPort: DEFAULT_INSPECT_PORT, rpc: true, testScheduled: true });
  assert.deepEqual(parseDevArgs(['--port=9000', '--inspect=0'], '/p'), { path: '/p', port: 9000, inspectPort: 0, rpc: false, testScheduled: false });
});

test('bad input is an ArgsError with usage', () => {
  assert.throws(() => parseDevArgs(['--port']), ArgsError);
  assert.throws(() => parseDevArgs(['--port', '']), ArgsError);
  assert.throws(() => parseDevArgs(['--port', 'abc']), ArgsError);
  assert.throws(() => parseDevArgs(['--port', '70000']), ArgsError);
  assert.throws(() => parseDevArgs(['--inspect=']), ArgsError);
  assert.throws(() => parseDevArgs(['--nope']), /unknown option --nope[\s\S]*Usage/);
  assert.throws(() => parseDevArgs(['a', 'b']), ArgsError);
});
