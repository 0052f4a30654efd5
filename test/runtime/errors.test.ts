// Errors as a user needs them: located in the original TypeScript, over real HTTP, and the sidecar keeps serving.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { BuildError, Log, Ready, Stop, type BuildErrorParams, type LogParams, type ReadyParams } from '../../common/protocol.ts';
import { ensureRuntimeBuilt, fixture, spawnDev, startDev, type DevProcess } from './helpers.ts';

before(() => ensureRuntimeBuilt());

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('a worker whose module throws while it evaluates', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([fixture('runtime-errors-load'), '--port', '0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('is reported located in the TS source, and the sidecar is Ready anyway', async () => {
    await dev.waitFor('stderr', /runtime-errors-load\/src\/config\.ts:4:\d+: the worker failed to load: TypeError: Cannot read properties of undefined \(reading 'max'\)/);
  });

  test('every request answers 500 text with the load error and its mapped stack', async () => {
    for (const route of ['/', '/other?x=1']) {
      const res = await fetch(`${dev.url}${route}`);
      assert.equal(res.status, 500);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const body = await res.text();
      assert.match(body, /^The worker failed to load/);
      assert.match(body, /TypeError: Cannot read properties of undefined \(reading 'max'\)/);
      assert.match(body, /at .*runtime-errors-load\/src\/config\.ts:4:\d+/);
      assert.doesNotMatch(body, /prelude\.js|bundle/);
    }
  });

  test('a browser gets the same as an HTML page', async () => {
    const res = await fetch(dev.url, { headers: HTML });
    assert.equal(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const body = await res.text();
    assert.match(body, /<h1>The worker failed to load/);
    assert.match(body, /Cannot read properties of undefined \(reading &#39;max&#39;\)/);
    assert.match(body, /<a href="vscode:\/\/file\/[^"]*runtime-errors-load\/src\/config\.ts:4:\d+">[^<]*config\.ts:4:\d+<\/a>/);
  });
});

test('a worker with no fetch handler: reported, Ready, and every request answers 500 saying so', async () => {
  const dev = await startDev([fixture('runtime-errors-no-handler'), '--port', '0']);
  try {
    await dev.waitFor('stderr', /the worker failed to load: .*no fetch handler/);
    const res = await fetch(`${dev.url}/anything`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /The worker has no fetch handler: export default \{ fetch/);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});

test('--rpc: a load error is a located runtime/buildError, then runtime/ready; Stop exits 0', async () => {
  const { child } = spawnDev(['--rpc', fixture('runtime-errors-load'), '--port', '0'], { stdin: 'pipe' });
  child.stdout!.removeAllListeners('data');
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const buildError = new Promise<BuildErrorParams>((resolve) => connection.onNotification(BuildError, resolve));
  const ready = new Promise<ReadyParams>((resolve) => connection.onNotification(Ready, resolve));
  const exited = once(child, 'exit');
  connection.listen();
  try {
    const error = await buildError;
    assert.equal(error.file, fixture('runtime-errors-load/src/config.ts'));
    assert.equal(error.line, 4);
    assert.match(error.message, /Cannot read properties of undefined/);
    const { url } = await ready;
    assert.equal((await fetch(url)).status, 500);
    await connection.sendRequest(Stop);
    assert.deepEqual(await exited, [0, null]);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
  }
});

describe('a running worker', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([fixture('runtime-errors-handler'), '--port', '0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('a handler exception: 500 text with message and the TS file:line, and the same in the log', async () => {
    const res = await fetch(`${dev.url}/throw?n=abc`);
    assert.equal(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await res.text();
    assert.match(body, /^Uncaught exception in GET \/throw/);
    assert.match(body, /RangeError: not a number: abc\n\s+at parse \(.*runtime-errors-handler\/src\/index\.ts:4:\d+\)\n\s+at .*fetch .*runtime-errors-handler\/src\/index\.ts:13:\d+/);
    await dev.waitFor('stderr', /✘ GET \/throw: RangeError: not a number: abc\n\s+at parse \(.*runtime-errors-handler\/src\/index\.ts:4:\d+\)/);
    // Still serving.
    assert.equal(await (await fetch(`${dev.url}/throw?n=7`)).text(), '7');
  });

  test('a handler exception, for a browser: an HTML page whose frames show the original file:line', async () => {
    const res = await fetch(`${dev.url}/throw?n=zz`, { headers: HTML });
    assert.equal(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const body = await res.text();
    assert.match(body, /<pre class="message">RangeError: not a number: zz<\/pre>/);
    assert.match(body, /at parse \(<a href="vscode:\/\/file\/[^"]*runtime-errors-handler\/src\/index\.ts:4:\d+">[^<]*src\/index\.ts:4:\d+<\/a>\)/);
  });

  test('console output carries the location of the call in the TS source', async () => {
    assert.equal(await (await fetch(`${dev.url}/log`)).text(), 'logged');
    await dev.waitFor('stdout', /^hello from the log route {2}\(test\/fixtures\/runtime-errors-handler\/src\/index\.ts:15:17\)$/m);
    await dev.waitFor('stderr', /^careful \{ n: 1 \} {2}\(test\/fixtures\/runtime-errors-handler\/src\/index\.ts:16:17\)$/m);
  });

  test('an unhandled rejection in a handler is logged with its TS stack, and the response still goes out', async () => {
    const res = await fetch(`${dev.url}/reject`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'still answered');
    await dev.waitFor('stderr', /Uncaught \(in promise\) Error: nobody handles this\n\s+at .*runtime-errors-handler\/src\/index\.ts:19:\d+/);
  });

  test('an unhandled rejection in a timer callback is logged with its TS stack', async () => {
    assert.equal(await (await fetch(`${dev.url}/reject-later`)).text(), 'answered before the timer');
    await dev.waitFor('stderr', /Uncaught \(in promise\) TypeError: rejected in a timer\n\s+at .*runtime-errors-handler\/src\/index\.ts:24:\d+/);
  });
});

test('--rpc: runtime/log carries the mapped location of the console call', async () => {
  const { child } = spawnDev(['--rpc', fixture('runtime-errors-handler'), '--port', '0'], { stdin: 'pipe' });
  child.stdout!.removeAllListeners('data');
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const ready = new Promise<ReadyParams>((resolve) => connection.onNotification(Ready, resolve));
  const logs: LogParams[] = [];
  connection.onNotification(Log, (params) => void logs.push(params));
  const exited = once(child, 'exit');
  connection.listen();
  try {
    const { url } = await ready;
    await (await fetch(`${url}/log`)).text();
    await connection.sendRequest(Stop);
    await exited;
    assert.deepEqual(logs.slice(0, 2), [
      { level: 'info', message: 'hello from the log route', location: `${fixture('runtime-errors-handler/src/index.ts')}:15:17` },
      { level: 'warn', message: 'careful { n: 1 }', location: `${fixture('runtime-errors-handler/src/index.ts')}:16:17` },
    ]);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('top-level code that never finishes times out into a load error: Ready, and / answers 500 naming it', async () => {
  const started = Date.now();
  const dev = await startDev([fixture('runtime-errors-toplevel-loop'), '--port', '0']);
  try {
    assert.ok(Date.now() - started < 20_000);
    await dev.waitFor('stderr', /runtime-errors-toplevel-loop\/src\/index\.ts.*: the worker failed to load: .*the worker's top-level code ran for more than 10 s/);
    const res = await fetch(`${dev.url}/`);
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.match(body, /^The worker failed to load/);
    assert.match(body, /the worker's top-level code ran for more than 10 s/);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});
