// `dev --rpc`: the extension's control channel, JSON-RPC over the sidecar's stdin/stdout (common/protocol.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { before, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildError,
  Log,
  Ready,
  RequestCompleted,
  SendRequest,
  Stop,
  type BuildErrorParams,
  type LogParams,
  type ReadyParams,
  type RequestRecord,
} from '../../common/protocol.ts';
import { ensureRuntimeBuilt, fixture, repoRoot, spawnDev } from './helpers.ts';

before(() => ensureRuntimeBuilt());

function connect(args: string[]) {
  const { child, out } = spawnDev(['--rpc', ...args], { stdin: 'pipe' });
  // The protocol owns stdout: read it with the JSON-RPC reader, not the text collector.
  child.stdout!.removeAllListeners('data');
  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const events = {
    ready: new Promise<ReadyParams>((resolve) => connection.onNotification(Ready, resolve)),
    buildError: new Promise<BuildErrorParams>((resolve) => connection.onNotification(BuildError, resolve)),
    logs: [] as LogParams[],
    requests: [] as RequestRecord[],
  };
  connection.onNotification(Log, (params) => {
    events.logs.push(params);
  });
  connection.onNotification(RequestCompleted, (record) => {
    events.requests.push(record);
  });
  connection.listen();
  return { child, out, connection, events, exited: once(child, 'exit') as Promise<[number | null]> };
}

test('Ready, SendRequest, Log, RequestCompleted, then Stop exits 0', async () => {
  const { child, out, connection, events, exited } = connect([fixture('runtime-headers'), '--port', '0']);
  const ready = await events.ready;
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(ready.url, `http://127.0.0.1:${ready.port}`);
  assert.equal(ready.entry, fixture('runtime-headers/src/index.ts'));
  assert.equal(ready.config, fixture('runtime-headers/wrangler.toml'));
  assert.equal(ready.inspectorPort, undefined);

  const result = await connection.sendRequest(SendRequest, { method: 'POST', path: '/echo?q=1', headers: { 'x-custom': 'rpc' }, body: 'data' });
  assert.equal(result.status, 201);
  assert.equal(result.statusText, 'Made It');
  assert.equal(result.body, 'POST rpc data');
  assert.ok(result.headers.some(([k, v]) => k === 'x-reply' && v === 'got rpc'));
  assert.ok(result.wallMs >= 0);

  // Notifications sent before the response arrive before it, in order.
  assert.deepEqual(events.logs.map(({ location, ...rest }) => ({ ...rest, location: location?.replace(/:\d+:\d+$/, '') })), [
    { level: 'info', message: 'echo POST 4', location: fixture('runtime-headers/src/index.ts') },
  ]);
  assert.equal(events.requests.length, 1);
  assert.deepEqual({ ...events.requests[0], wallMs: 0 }, { method: 'POST', url: '/echo?q=1', status: 201, wallMs: 0 });

  // Human output went to stderr; stdout carried only the protocol.
  assert.match(out.stderr, /^Ready on http:\/\/127\.0\.0\.1:\d+$/m);

  await connection.sendRequest(Stop);
  const [code] = await exited;
  assert.equal(code, 0);
  connection.dispose();
  assert.equal(child.exitCode, 0);
});

test('closing stdin (the extension died) ends the sidecar', async () => {
  const { child, connection, events, exited } = connect([path.join(repoRoot, 'examples/hello'), '--port', '0']);
  await events.ready;
  connection.dispose();
  child.stdin!.end();
  const [code] = await exited;
  assert.equal(code, 0);
});

test('a build error is a BuildError notification, then exit 1', async () => {
  const { connection, events, exited } = connect([fixture('runtime-syntax-error'), '--port', '0']);
  const error = await events.buildError;
  assert.equal(error.file, fixture('runtime-syntax-error/src/index.ts'));
  assert.equal(error.line, 3);
  assert.equal(error.column, 15);
  assert.match(error.message, /Unexpected ";"/);
  const [code] = await exited;
  assert.equal(code, 1);
  connection.dispose();
});
