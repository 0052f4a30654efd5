// Bodies over real HTTP: request bodies read as text/json/formData (multipart with a file, urlencoded), Blob/File/
// FormData, clone/tee, used-body errors and Response statics; and the same routes under workerd give the same JSON.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorkerd, type Oracle } from '../workerd.ts';
import { ensureRuntimeBuilt, fixture, type DevProcess, startDev } from './helpers.ts';

const USED = { error: 'TypeError: Body has already been used. It can only be used once. Use tee() first if you need to read it twice.' };

function multipart(): FormData {
  const form = new FormData();
  form.append('a', '1');
  form.append('upload', new Blob(['file "contents"\r\nline 2'], { type: 'text/plain' }), 'notes.txt');
  form.append('b', 'é ü');
  return form;
}

before(() => ensureRuntimeBuilt());

describe('bodies', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([fixture('runtime-streams-basic'), '--port', '0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('request body as text (request.body is a ReadableStream)', async () => {
    const res = await fetch(`${dev.url}/text`, { method: 'POST', body: 'héllo' });
    assert.equal(await res.text(), 'true héllo');
  });

  test('request body as json', async () => {
    const res = await fetch(`${dev.url}/json`, { method: 'POST', body: '{"n":[1,2]}' });
    assert.deepEqual(await res.json(), { got: { n: [1, 2] } });
  });

  test('request body as formData: multipart with a file', async () => {
    const res = await fetch(`${dev.url}/form`, { method: 'POST', body: multipart() });
    assert.deepEqual(await res.json(), {
      ok: [
        { name: 'a', value: '1' },
        { name: 'upload', file: 'notes.txt', type: 'text/plain', size: 23, text: 'file "contents"\r\nline 2', isFile: true },
        { name: 'b', value: 'é ü' },
      ],
    });
  });

  test('request body as formData: urlencoded', async () => {
    const res = await fetch(`${dev.url}/form`, { method: 'POST', body: new URLSearchParams('x=1&y=%C3%A9&x=a+b') });
    assert.deepEqual(await res.json(), { ok: [{ name: 'x', value: '1' }, { name: 'y', value: 'é' }, { name: 'x', value: 'a b' }] });
  });

  test('formData() of another content type is the TypeError workerd throws', async () => {
    const res = await fetch(`${dev.url}/form`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } });
    assert.match(((await res.json()) as { error: string }).error, /^TypeError: Unrecognized Content-Type header value/);
  });

  test('Blob and File', async () => {
    const got = (await (await fetch(`${dev.url}/blob`)).json()) as Record<string, unknown>;
    assert.equal(got.size, 14);
    assert.equal(got.type, 'text/plain');
    assert.equal(got.text, 'héllo wörld!');
    assert.deepEqual(got.sliced, [12, 'x/y', 'éllo wörld']);
    assert.equal(got.negative, 'örld!');
    assert.equal(got.streamed, 'héllo wörld!');
    assert.deepEqual(got.file, ['a.txt', 42, 3, 'text/plain', true, '[object File]']);
    assert.equal(got.badType, '');
    assert.deepEqual(got.fromBlobResponse, [14, 'text/plain']);
  });

  test('FormData: append/set/get/getAll/has/delete, Blob entries become Files, multipart roundtrip', async () => {
    const got = (await (await fetch(`${dev.url}/formdata`)).json()) as Record<string, unknown>;
    assert.deepEqual(got.before, { a: ['1', '2'], has: true, get: null, keys: ['a', 'a', 'file', 'blob', 'b'] });
    assert.deepEqual(got.blobEntry, [true, 'blob', '']);
    assert.deepEqual(got.fileEntry, ['f.txt', 'text/plain']);
    assert.equal(got.multipart, true);
    assert.deepEqual(got.parsed, [
      { name: 'a', value: '1' },
      { name: 'a', value: '2' },
      { name: 'file', file: 'f.txt', type: 'text/plain', size: 9, text: 'file body', isFile: true },
      { name: 'blob', file: 'blob', type: 'application/octet-stream', size: 1, text: 'x', isFile: true },
    ]);
  });

  test('clone() tees stream bodies; Request.clone too', async () => {
    assert.deepEqual(await (await fetch(`${dev.url}/clone`)).json(), { a: 'tee me', b: 'tee me', req: ['req body', 'req body'], bytes: ['bytes', 'bytes'] });
  });

  test('bodyUsed and the errors of a used or locked body', async () => {
    const got = (await (await fetch(`${dev.url}/used`)).json()) as Record<string, unknown>;
    assert.equal(got.bodyUsed, true);
    assert.deepEqual(got.again, USED);
    assert.deepEqual(got.cloneUsed, { error: 'TypeError: This ReadableStream is currently locked to a reader,' });
    assert.deepEqual(got.locked, { error: 'TypeError: This ReadableStream is currently locked to a reader.' });
    assert.equal(got.movedUsed, true);
    assert.equal(got.moved, 'b');
    assert.deepEqual(got.nullBody, [null, false, '']);
  });

  test('Response.json/redirect/error and status validation', async () => {
    const got = (await (await fetch(`${dev.url}/statics`)).json()) as Record<string, unknown>;
    assert.deepEqual(got.json, [201, 'application/json', 'z', '{"a":1}']);
    assert.deepEqual(got.redirect, [301, 'http://example.com/a%20b', null]);
    assert.deepEqual(got.error, [0, 'error']);
    assert.deepEqual(got.badRedirect, { error: 'RangeError: 200 is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.' });
    assert.deepEqual(got.badStatus, { error: 'RangeError: Responses may only be constructed with status codes in the range 200 to 599, inclusive.' });
    assert.deepEqual(got.streamNotBytes, { error: 'TypeError: This ReadableStream did not return bytes.' });
  });
});

describe('bodies: parity with workerd', () => {
  let dev: DevProcess;
  let oracle: Oracle;
  before(async () => {
    [dev, oracle] = await Promise.all([startDev([fixture('runtime-streams-basic'), '--port', '0']), startWorkerd(fixture('runtime-streams-basic'), '')]);
  });
  after(async () => {
    await Promise.all([dev?.stop(), oracle?.stop()]);
  });

  const cases: [string, () => RequestInit | undefined][] = [
    ['/blob', () => undefined],
    ['/formdata', () => undefined],
    ['/clone', () => undefined],
    ['/used', () => undefined],
    ['/statics', () => undefined],
    ['/text-streams', () => undefined],
    ['/transform', () => undefined],
    ['/compress-errors', () => undefined],
    ['/form', () => ({ method: 'POST', body: multipart() })],
    ['/form', () => ({ method: 'POST', body: 'x=1&y=%C3%A9' , headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['/form', () => ({ method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } })],
    ['/echo-stream', () => ({ method: 'POST', body: 'a'.repeat(100_000) })],
    ['/compress?format=deflate-raw', () => ({ method: 'POST', body: 'z'.repeat(100_000) })],
  ];
  for (const [pathname, init] of cases) {
    test(`${init()?.method ?? 'GET'} ${pathname} ${init()?.body instanceof FormData ? '(multipart)' : ''}`, async () => {
      const observe = async (base: string) => {
        const res = await fetch(base + pathname, init());
        return { status: res.status, contentType: res.headers.get('content-type'), chunked: res.headers.get('transfer-encoding'), body: await res.text() };
      };
      const [ours, theirs] = await Promise.all([observe(dev.url), observe(oracle.url)]);
      assert.deepEqual(ours, theirs);
    });
  }
});
