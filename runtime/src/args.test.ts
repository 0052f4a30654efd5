import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgsError, DEFAULT_INSPECT_PORT, DEFAULT_PORT, DEFAULTS, parseDevArgs } from './args.ts';

test('defaults: cwd, port 8787, no inspector, no rpc', () => {
  assert.deepEqual(parseDevArgs([], '/p'), { path: '/p', configs: [], port: DEFAULT_PORT, inspectPort: undefined, inspectWait: false, environment: undefined, persistTo: undefined, noPersist: false, rpc: false, testScheduled: false, ...DEFAULTS });
});

test('path, --port N, --port=N, --inspect, --inspect=N, --rpc, --test-scheduled', () => {
  assert.deepEqual(parseDevArgs(['x', '--port', '0', '--inspect', '--rpc', '--test-scheduled'], '/p'), { path: 'x', configs: [], port: 0, inspectPort: DEFAULT_INSPECT_PORT, inspectWait: false, environment: undefined, persistTo: undefined, noPersist: false, rpc: true, testScheduled: true, ...DEFAULTS });
  assert.deepEqual(parseDevArgs(['--port=9000', '--inspect=0'], '/p'), { path: '/p', configs: [], port: 9000, inspectPort: 0, inspectWait: false, environment: undefined, persistTo: undefined, noPersist: false, rpc: false, testScheduled: false, ...DEFAULTS });
});

test('--inspect-wait, --inspect-wait=N: the inspector, and requests wait for a debugger', () => {
  assert.deepEqual([parseDevArgs(['--inspect-wait'], '/p')].map((a) => [a.inspectPort, a.inspectWait]), [[DEFAULT_INSPECT_PORT, true]]);
  assert.deepEqual([parseDevArgs(['--inspect-wait=0'], '/p')].map((a) => [a.inspectPort, a.inspectWait]), [[0, true]]);
  assert.throws(() => parseDevArgs(['--inspect-wait=x']), /--inspect-wait expects a port number, got "x"/);
});

test('limits and instances: --instances N, --cpu-limit-ms=N, --memory-limit-mb N, --idle-timeout 0', () => {
  const args = parseDevArgs(['--instances', '3', '--cpu-limit-ms=50', '--memory-limit-mb', '64', '--idle-timeout', '0'], '/p');
  assert.deepEqual([args.instances, args.cpuLimitMs, args.memoryLimitMb, args.idleTimeoutS], [3, 50, 64, 0]);
  assert.throws(() => parseDevArgs(['--instances', '0']), /--instances must be at least 1/);
  assert.throws(() => parseDevArgs(['--cpu-limit-ms', '1.5']), /--cpu-limit-ms expects a whole number, got "1.5"/);
  assert.throws(() => parseDevArgs(['--memory-limit-mb']), /--memory-limit-mb expects a whole number, got nothing/);
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

test('--env NAME, -e NAME, --env=NAME select a config environment; a missing name is an error', () => {
  assert.equal(parseDevArgs([]).environment, undefined);
  assert.equal(parseDevArgs(['--env', 'staging']).environment, 'staging');
  assert.equal(parseDevArgs(['-e', 'staging', 'dir']).environment, 'staging');
  assert.equal(parseDevArgs(['--env=prod']).environment, 'prod');
  assert.throws(() => parseDevArgs(['--env']), /--env expects an environment name/);
  assert.throws(() => parseDevArgs(['--env', '--port', '1']), /--env expects an environment name/);
  assert.throws(() => parseDevArgs(['--env=']), /--env expects an environment name/);
});

test('--persist-to DIR, --persist-to=DIR, --no-persist; both at once is an error', () => {
  assert.equal(parseDevArgs(['--persist-to', 'state']).persistTo, 'state');
  assert.equal(parseDevArgs(['--persist-to=/tmp/s']).persistTo, '/tmp/s');
  assert.equal(parseDevArgs(['--no-persist']).noPersist, true);
  assert.throws(() => parseDevArgs(['--persist-to']), /--persist-to expects a folder/);
  assert.throws(() => parseDevArgs(['--no-persist', '--persist-to', 'x']), /contradict/);
});

test('-c/--config FILE, repeatable: several workers; not together with PATH', () => {
  assert.deepEqual(parseDevArgs(['-c', 'a/wrangler.toml', '--config', 'b/wrangler.toml', '--config=c/wrangler.json']).configs, ['a/wrangler.toml', 'b/wrangler.toml', 'c/wrangler.json']);
  assert.throws(() => parseDevArgs(['-c']), /-c expects a wrangler config file/);
  assert.throws(() => parseDevArgs(['dir', '-c', 'a/wrangler.toml']), /either PATH or -c/);
});
