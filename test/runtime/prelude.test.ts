// The in-isolate Web platform (runtime/isolate), checked on the host against Node's own implementations of the
// same standards: plain ECMAScript modules, so they import here directly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TextDecoder, TextEncoder } from '../../runtime/isolate/encoding.ts';
import { Headers } from '../../runtime/isolate/headers.ts';
import { Request } from '../../runtime/isolate/request.ts';
import { Response } from '../../runtime/isolate/response.ts';
import { URL, URLSearchParams } from '../../runtime/isolate/url.ts';
import { formatArgs } from '../../runtime/isolate/console.ts';

const URL_CASES: [string, string?][] = [
  ['http://127.0.0.1:8787/x?y=1'],
  ['https://Example.COM:443/a/./b/../c/%2e%2E/d?q=1 2#frag ment'],
  ['http://user:p%40ss@host:8080/p?x=é'],
  ['HTTP://EXAMPLE.com'],
  ['http://example.com:80/'],
  ['ws://h:80/'],
  ['wss://h:444/a'],
  ['http:\\\\host\\a\\b'],
  ['  http://host/ leading and trailing  '],
  ['http://host/a\tb\nc'],
  ['http://[::1]:9229/json'],
  ['file:///home/u/file.txt'],
  ['file://localhost/etc/x'],
  ['mailto:someone@example.com'],
  ['data:text/plain,hello world'],
  ['web+demo://host/path?q#f'],
  ['/relative?x=1', 'http://h/base/dir/file'],
  ['sibling', 'http://h/base/dir/file?q#f'],
  ['../up', 'http://h/base/dir/file'],
  ['?only-query', 'http://h/base/file?old#f'],
  ['#only-frag', 'http://h/base/file?old#f'],
  ['', 'http://h/base/file?old#f'],
  ['//other.host/p', 'https://h/base'],
  ['http:same-scheme', 'http://h/base/x'],
  ['https://h/πath?ü=ß#ƒ'],
  ["http://h/q?a='b'"],
  ['http://h/%zz%41'],
];

describe('URL agrees with Node (WHATWG)', () => {
  for (const [input, base] of URL_CASES) {
    test(`${JSON.stringify(input)}${base ? ` against ${base}` : ''}`, () => {
      const ours = new URL(input, base);
      const node = new globalThis.URL(input, base);
      for (const key of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const) {
        assert.equal(ours[key], node[key], key);
      }
    });
  }
  for (const [input, base] of [['no-scheme'], ['http://'], ['http://ho st/'], ['http://h:99999/'], ['https://[::1/']] as [string, string?][]) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => new globalThis.URL(input, base), TypeError);
      assert.throws(() => new URL(input, base), TypeError);
      assert.equal(URL.canParse(input, base), false);
    });
  }
  test('setters and searchParams stay in sync', () => {
    const ours = new URL('http://h/p?a=1');
    const node = new globalThis.URL('http://h/p?a=1');
    for (const u of [ours, node]) {
      u.searchParams.append('b', 'x y&z');
      u.pathname = '/new path';
      u.hash = 'h';
      u.port = '8080';
    }
    assert.equal(ours.href, node.href);
    ours.search = '?c=3';
    node.search = '?c=3';
    assert.equal(ours.searchParams.get('c'), '3');
    assert.equal(ours.href, node.href);
  });
});

test('URLSearchParams agrees with Node', () => {
  for (const init of ['?a=1&b=2&a=3', 'x=%20y+z&empty=&novalue&=v', 'ü=ß&emoji=😀']) {
    const ours = new URLSearchParams(init);
    const node = new globalThis.URLSearchParams(init);
    assert.deepEqual([...ours], [...node]);
    assert.equal(ours.toString(), node.toString());
    ours.sort();
    node.sort();
    assert.equal(ours.toString(), node.toString());
  }
  const params = new URLSearchParams({ a: '1', b: '2' });
  params.set('a', '3');
  params.delete('b');
  assert.equal(params.toString(), 'a=3');
  assert.equal(new URLSearchParams([['k', 'v w']]).toString(), 'k=v+w');
});

test('TextEncoder/TextDecoder round-trip UTF-8 like Node', () => {
  const text = 'héllo wörld — 😀 \u0000 end';
  assert.deepEqual(new TextEncoder().encode(text), new globalThis.TextEncoder().encode(text));
  assert.equal(new TextDecoder().decode(new globalThis.TextEncoder().encode(text)), text);
  const invalid = new Uint8Array([0x61, 0xff, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98]);
  assert.equal(new TextDecoder().decode(invalid), new globalThis.TextDecoder().decode(invalid));
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(invalid), TypeError);
  assert.equal(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), 'A');
  const streaming = new TextDecoder();
  const bytes = new TextEncoder().encode('€😀');
  assert.equal(streaming.decode(bytes.subarray(0, 2), { stream: true }) + streaming.decode(bytes.subarray(2)), '€😀');
});

test('Headers: case-insensitive, combined, sorted, set-cookie kept apart', () => {
  const ours = new Headers([['B', '1'], ['a', ' 2 '], ['b', '3'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2']]);
  const node = new globalThis.Headers([['B', '1'], ['a', ' 2 '], ['b', '3'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2']]);
  assert.deepEqual([...ours], [...node]);
  assert.equal(ours.get('B'), '1, 3');
  assert.deepEqual(ours.getSetCookie(), ['x=1', 'y=2']);
  ours.set('b', '4');
  ours.delete('A');
  assert.deepEqual([...ours.keys()], ['b', 'set-cookie', 'set-cookie']);
  assert.equal(ours.has('SET-COOKIE'), true);
  assert.throws(() => ours.append('bad name', 'v'), TypeError);
});

test('Request and Response bodies, defaults and errors', async () => {
  const req = new Request('http://h/p', { method: 'post', body: '{"a":1}', headers: { 'X-A': 'b' } });
  assert.equal(req.method, 'POST');
  assert.equal(req.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assert.deepEqual(await req.clone().json(), { a: 1 });
  assert.equal(new TextDecoder().decode(await req.arrayBuffer()), '{"a":1}');
  assert.equal(req.bodyUsed, true);
  await assert.rejects(req.text(), TypeError);
  assert.throws(() => new Request('http://h/', { method: 'GET', body: 'x' }), TypeError);
  assert.throws(() => new Request('/relative'), TypeError);

  const res = new Response(new Uint8Array([104, 105]), { status: 418, statusText: 'Teapot', headers: { a: 'b' } });
  assert.deepEqual([res.status, res.statusText, res.ok, res.headers.get('a'), await res.text()], [418, 'Teapot', false, 'b', 'hi']);
  const json = Response.json({ x: 1 }, { status: 201 });
  assert.deepEqual([json.status, json.headers.get('content-type'), await json.json()], [201, 'application/json', { x: 1 }]);
  assert.equal(new Response().status, 200);
  assert.equal(await new Response(null).text(), '');
  assert.throws(() => new Response('x', { status: 204 }), TypeError);
  assert.throws(() => new Response('x', { status: 99 }), RangeError);
  assert.equal(Response.redirect('http://h/next', 301).headers.get('location'), 'http://h/next');
});

test('console formatting follows util.format for the common cases', () => {
  assert.equal(formatArgs(['a', 1, true, null, undefined]), 'a 1 true null undefined');
  assert.equal(formatArgs(['%s=%d%%', 'x', 42, 'rest']), 'x=42% rest');
  assert.equal(formatArgs([{ a: [1, 'two'], b: { c: null } }]), "{ a: [ 1, \"two\" ], b: { c: null } }");
  assert.match(formatArgs([new Error('bad')]), /^Error: bad\n\s+at /);
});
