// Unit tests of the cURL parser and serializer (common/curl.ts): the shell's quoting rules, the options a copied
// request uses, errors that say what is wrong, and round trips through toCurl.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CurlParseError, parseCurl, shellWords, toCurl } from './curl.ts';

describe('shellWords', () => {
  it('reads single, double and $-quotes, escapes and line continuations', () => {
    assert.deepEqual(shellWords(`a 'b c' "d \\"e\\" \\$f \\x" g\\ h $'i\\nj\\'k' \\\n l`), ['a', 'b c', 'd "e" $f \\x', 'g h', "i\nj'k", 'l']);
    assert.deepEqual(shellWords(`x''y "" ''`), ['xy', '', '']);
  });
  it('says which quote is not closed', () => {
    assert.throws(() => shellWords(`curl 'abc`), /single quote is not closed/);
    assert.throws(() => shellWords(`curl "abc`), /double quote is not closed/);
  });
});

describe('parseCurl', () => {
  it('reads the method, URL and headers', () => {
    assert.deepEqual(parseCurl(`curl -X PUT 'http://localhost:8787/api?x=1' -H 'Accept: application/json' --header "X-Two:  2 "`), {
      method: 'PUT',
      url: 'http://localhost:8787/api?x=1',
      headers: [['Accept', 'application/json'], ['X-Two', '2']],
    });
  });
  it('implies POST with data and a form content type; GET otherwise', () => {
    assert.deepEqual(parseCurl(`curl localhost:8787/a -d a=1 --data b=2`), {
      method: 'POST',
      url: 'localhost:8787/a',
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      body: { kind: 'text', text: 'a=1&b=2' },
    });
    assert.equal(parseCurl('curl http://x/').method, 'GET');
    assert.equal(parseCurl('curl -I http://x/').method, 'HEAD');
  });
  it('keeps --data-raw as is and a given content type', () => {
    const parsed = parseCurl(`curl http://x/ -H 'content-type: application/json' --data-raw '{"a": "it'\\''s"}'`);
    assert.deepEqual(parsed.body, { kind: 'text', text: `{"a": "it's"}` });
    assert.deepEqual(parsed.headers, [['content-type', 'application/json']]);
  });
  it('reads --json and grouped short options', () => {
    const json = parseCurl(`curl -sSL --json '{"n":1}' http://x/`);
    assert.deepEqual(json.headers, [['Content-Type', 'application/json'], ['Accept', 'application/json']]);
    assert.deepEqual(json.body, { kind: 'text', text: '{"n":1}' });
  });
  it('urlencodes --data-urlencode values', () => {
    assert.deepEqual(parseCurl(`curl http://x/ --data-urlencode 'q=a b&c' --data-urlencode =x/y`).body, { kind: 'text', text: 'q=a%20b%26c&x%2Fy' });
  });
  it('turns -u into Basic auth, -A and -b into headers, -XPOST attached', () => {
    const parsed = parseCurl(`curl -XPOST -u 'ana:pässword' -A agent/1 -b 'a=1; b=2' http://x/`);
    assert.equal(parsed.method, 'POST');
    assert.deepEqual(parsed.headers, [
      ['Authorization', `Basic ${Buffer.from('ana:pässword').toString('base64')}`],
      ['User-Agent', 'agent/1'],
      ['Cookie', 'a=1; b=2'],
    ]);
  });
  it('moves data into the query with -G', () => {
    assert.deepEqual(parseCurl(`curl -G http://x/s?a=1 -d q=2`), { method: 'GET', url: 'http://x/s?a=1&q=2', headers: [] });
  });
  it('reads -F fields as multipart', () => {
    assert.deepEqual(parseCurl(`curl http://x/up -F name=ana -F 'file=@a.txt'`).body, { kind: 'multipart', fields: [['name', 'ana'], ['file', '@a.txt']] });
  });
  it('explains what it cannot import', () => {
    const fails = (command: string, message: RegExp) => assert.throws(() => parseCurl(command), (err: unknown) => err instanceof CurlParseError && message.test(err.message));
    fails('curl', /empty/);
    fails('curl -X', /-X needs a value/);
    fails('curl -H nocolon http://x/', /has no "name: value"/);
    fails('curl --frobnicate http://x/', /--frobnicate is not supported/);
    fails('curl -d @body.json http://x/', /from a file is not supported/);
    fails('curl http://a/ http://b/', /several URLs/);
    fails('curl -H "a: b"', /no URL/);
  });
});

describe('toCurl', () => {
  it('writes a command that parses back to the same request', () => {
    const request = { method: 'PATCH', url: 'http://127.0.0.1:8787/a b?q=it\'s', headers: [['X-A', `say "hi" it's`], ['Content-Type', 'application/json']] as [string, string][], body: `{"x": "$HOME \\n"}` };
    const command = toCurl(request);
    const parsed = parseCurl(command);
    assert.equal(parsed.method, 'PATCH');
    assert.equal(parsed.url, request.url);
    assert.deepEqual(parsed.headers, request.headers);
    assert.deepEqual(parsed.body, { kind: 'text', text: request.body });
  });
  it('leaves the implied method out', () => {
    assert.equal(toCurl({ method: 'GET', url: 'http://x/a', headers: [] }), 'curl http://x/a');
    assert.equal(toCurl({ method: 'POST', url: 'http://x/a', headers: [], body: 'a=1' }), 'curl http://x/a --data-raw a=1');
    assert.equal(toCurl({ method: 'HEAD', url: 'http://x/a', headers: [] }), 'curl --head http://x/a');
    assert.equal(toCurl({ method: 'DELETE', url: 'http://x/a', headers: [] }), 'curl -X DELETE http://x/a');
  });
});
