// Unit tests of the .http parser: requests with their lines, names and titles, file variables, bodies, problems.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, parseHttpFile, requestAt } from './httpFile.ts';

const SAMPLE = [
  '@host = http://127.0.0.1:8787', //          0
  '@id = 42', //                                1
  '', //                                        2
  '### Say hello', //                           3
  '# @name hello', //                           4
  'GET /', //                                   5
  '', //                                        6
  '### Create a thing', //                      7
  '// a comment', //                            8
  'POST {{host}}/things?draft=1 HTTP/1.1', //   9
  '    &id={{id}}', //                         10
  'Content-Type: application/json', //         11
  '# a comment between headers', //            12
  'X-Id: {{id}}', //                           13
  '', //                                       14
  '{', //                                      15
  '  "id": "{{id}}"', //                       16
  '}', //                                      17
  '', //                                       18
  '', //                                       19
  '###', //                                    20
  'https://example.com/bare', //               21
].join('\n');

describe('parseHttpFile', () => {
  it('finds each request with its request line, block lines, name, title, headers and body', () => {
    const file = parseHttpFile(SAMPLE);
    assert.deepEqual(file.problems, []);
    assert.equal(file.requests.length, 3);
    const [hello, create, bare] = file.requests;
    assert.deepEqual(hello, { name: 'hello', title: 'Say hello', method: 'GET', url: '/', headers: [], line: 5, startLine: 4, endLine: 5 });
    assert.deepEqual(create, {
      title: 'Create a thing',
      method: 'POST',
      url: '{{host}}/things?draft=1&id={{id}}',
      httpVersion: 'HTTP/1.1',
      headers: [
        { name: 'Content-Type', value: 'application/json', line: 11 },
        { name: 'X-Id', value: '{{id}}', line: 13 },
      ],
      body: '{\n  "id": "{{id}}"\n}',
      bodyLine: 15,
      line: 9,
      startLine: 8,
      endLine: 17,
    });
    assert.deepEqual(bare, { method: 'GET', url: 'https://example.com/bare', headers: [], line: 21, startLine: 21, endLine: 21 });
  });

  it('collects file variables wherever they are written; a later definition wins', () => {
    const file = parseHttpFile('@a = 1\nGET /\n\n###\n@b = {{a}}/x  \n@a=2\nGET /b\n');
    assert.deepEqual([...file.variables.values()], [
      { name: 'a', value: '2', line: 5 },
      { name: 'b', value: '{{a}}/x', line: 4 },
    ]);
    // A variable line above a request is not part of the request's block.
    assert.equal(file.requests[1]!.startLine, 6);
  });

  it('reads CRLF files, lower-case methods and URLs with spaces inside {{ }}', () => {
    const file = parseHttpFile('post /things/{{$randomInt 1 10}} HTTP/2\r\nAccept: */*\r\n\r\nbody\r\n');
    assert.deepEqual(file.problems, []);
    const [request] = file.requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/things/{{$randomInt 1 10}}');
    assert.equal(request!.httpVersion, 'HTTP/2');
    assert.deepEqual(request!.headers, [{ name: 'Accept', value: '*/*', line: 1 }]);
    assert.equal(request!.body, 'body');
  });

  it('keeps a body that is not JSON as written, `name: value` lines included', () => {
    const [request] = parseHttpFile('POST /form\nContent-Type: text/plain\n\nfirst: line\n\nlast line\n\n').requests;
    assert.equal(request!.body, 'first: line\n\nlast line');
    assert.equal(request!.bodyLine, 3);
    assert.equal(request!.endLine, 5);
  });

  it('reports a malformed request line, an unknown method and a malformed header at their lines, and keeps the other requests', () => {
    const file = parseHttpFile('GTE /oops\n\n###\nthis is not a request\n\n###\nGET /ok\nNot a header\n\n###\nGET /fine\n');
    assert.deepEqual(file.problems, [
      { line: 0, message: 'unknown method GTE (one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, CONNECT, TRACE)' },
      { line: 3, message: 'expected a request line (METHOD URL [HTTP/1.1]), a comment, @variable = value or ###; found "this is not a request"' },
      { line: 7, message: 'expected a header (Name: value) or a blank line before the body; found "Not a header"' },
    ]);
    assert.deepEqual(
      file.requests.map((r) => [r.url, r.line]),
      [
        ['/ok', 6],
        ['/fine', 10],
      ],
    );
    assert.equal(formatProblem('requests.http', file.problems[0]!), 'requests.http:1: unknown method GTE (one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, CONNECT, TRACE)');
  });

  it('a file of comments and variables only has no requests and no problems', () => {
    const file = parseHttpFile('# notes\n@x = 1\n// more\n###\n\n###\n');
    assert.deepEqual(file.requests, []);
    assert.deepEqual(file.problems, []);
  });

  it('requestAt finds the request whose block holds a line', () => {
    const file = parseHttpFile(SAMPLE);
    assert.equal(requestAt(file, 16)?.line, 9);
    assert.equal(requestAt(file, 4)?.line, 5);
    assert.equal(requestAt(file, 19), undefined);
    assert.equal(requestAt(file, 0), undefined);
  });
});
