// SendRequest for the request panel: bytes that are not text come back as base64, a file's bytes go out as sent, the
// body's size is reported, and the result names the RequestRecord of its exchange (the worker never sees the link).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SendRequest, Stop } from '../../common/protocol.ts';
import { EXCHANGE_HEADER } from '../../runtime/src/exchangeLinks.ts';
import { connectRpc, ensureRuntimeBuilt, fixture } from './helpers.ts';

let sidecar: ReturnType<typeof connectRpc>;

before(async () => {
  ensureRuntimeBuilt();
  sidecar = connectRpc([fixture('runtime-send-request'), '--port', '0']);
  await sidecar.events.ready;
});

after(async () => {
  await sidecar.connection.sendRequest(Stop);
  await sidecar.exited;
  sidecar.connection.dispose();
});

const send = (path: string, more: { method?: string; headers?: Record<string, string>; body?: string; bodyEncoding?: 'base64' } = {}) =>
  sidecar.connection.sendRequest(SendRequest, { method: more.method ?? 'GET', path, ...more });

test('an image body comes back as base64 with its size; text stays text', async () => {
  const image = await send('/bytes');
  assert.equal(image.bodyEncoding, 'base64');
  assert.deepEqual([...Buffer.from(image.body, 'base64')], [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]);
  assert.equal(image.size, 7);

  const untyped = await send('/untyped');
  assert.equal(untyped.bodyEncoding, 'base64', 'bytes with no content type that are not UTF-8 are binary');
  assert.deepEqual([...Buffer.from(untyped.body, 'base64')], [0xff, 0x00, 0xc3]);

  const utf8 = await send('/utf8');
  assert.equal(utf8.bodyEncoding, undefined, 'valid UTF-8 with no content type is text');
  assert.equal(utf8.body, 'héllo');
  assert.equal(utf8.size, 6, 'size counts bytes, not characters');
});

test('a base64 request body is sent as its bytes', async () => {
  const bytes = [0, 1, 2, 0xfe, 0xff];
  const echoed = await send('/echo-bytes', { method: 'POST', body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' });
  assert.equal(echoed.status, 200);
  assert.deepEqual([...Buffer.from(echoed.body, 'base64')], bytes);
});

test('the result names its RequestRecord, and the worker never sees the link header', async () => {
  const first = await send('/headers?n=1', { headers: { 'x-mine': 'yes' } });
  const second = await send('/headers?n=2');
  const seen = JSON.parse(first.body) as string[];
  assert.ok(seen.includes('x-mine'), `the worker saw the request's own headers: ${first.body}`);
  assert.ok(!seen.includes(EXCHANGE_HEADER), `the worker saw ${EXCHANGE_HEADER}: ${first.body}`);
  assert.equal(typeof first.recordId, 'number');
  assert.notEqual(first.recordId, second.recordId);
  assert.equal((await sidecar.request('/headers?n=1')).id, first.recordId);
  assert.equal((await sidecar.request('/headers?n=2')).id, second.recordId);
});

test('a link header another client sends is just a header', async () => {
  const { url } = await sidecar.events.ready;
  const body = await (await fetch(`${url}/headers?n=3`, { headers: { [EXCHANGE_HEADER]: 'not-issued' } })).text();
  assert.ok((JSON.parse(body) as string[]).includes(EXCHANGE_HEADER), body);
});
