// Unit tests of {{var}} substitution in .http requests: file variables, the environment, system variables, errors at lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHttpFile } from './httpFile.ts';
import { HttpVariableError, resolveRequest, type SystemSources } from './httpFileVariables.ts';

const pinned: SystemSources = {
  now: () => new Date('2026-11-22T10:00:00.000Z'),
  randomUUID: () => '00000000-0000-4000-8000-000000000000',
  random: () => 0.5,
};

/** The first request of `text`, resolved. */
function resolveFirst(text: string, environment?: Record<string, string>) {
  const file = parseHttpFile(text);
  assert.deepEqual(file.problems, []);
  return resolveRequest(file, file.requests[0]!, { system: pinned, ...(environment ? { environment } : {}) });
}

describe('resolveRequest', () => {
  it('substitutes file variables in the URL, headers and body, variables that use variables included', () => {
    const resolved = resolveFirst(
      ['@base = /api/{{version}}', '@version=v2', '@token = abc', 'POST {{ base }}/things', 'Authorization: Bearer {{token}}', '', '{"v": "{{version}}"}'].join('\n'),
    );
    assert.deepEqual(resolved, { method: 'POST', url: '/api/v2/things', headers: { Authorization: 'Bearer abc' }, body: '{"v": "v2"}' });
  });

  it('falls back to the environment; a file variable wins over it', () => {
    const resolved = resolveFirst('@shared = from-file\nGET /{{shared}}/{{onlyEnv}}', { shared: 'from-env', onlyEnv: 'env' });
    assert.equal(resolved.url, '/from-file/env');
  });

  it('system variables: $guid, $randomInt, $timestamp, $datetime', () => {
    const resolved = resolveFirst('GET /{{$guid}}?n={{$randomInt 10 20}}&t={{$timestamp}}\nDate: {{$datetime rfc1123}}\nX-Iso: {{$datetime iso8601}}');
    assert.equal(resolved.url, '/00000000-0000-4000-8000-000000000000?n=15&t=1795341600');
    assert.deepEqual(resolved.headers, { Date: 'Sun, 22 Nov 2026 10:00:00 GMT', 'X-Iso': '2026-11-22T10:00:00.000Z' });
  });

  it('joins repeated headers as fetch does', () => {
    assert.deepEqual(resolveFirst('GET /\nAccept: text/html\naccept: */*').headers, { Accept: 'text/html, */*' });
  });

  it('an unknown variable is an error at its line, naming the variables it knows', () => {
    const file = parseHttpFile('@known = 1\nPOST /x\nContent-Type: text/plain\n\nline one\nline {{missing}}\n');
    assert.throws(
      () => resolveRequest(file, file.requests[0]!),
      (err: unknown) => {
        assert.ok(err instanceof HttpVariableError);
        assert.equal(err.line, 5, 'the line of {{missing}} inside the body');
        assert.equal(err.message, 'unknown variable {{missing}}: define it in this file (@missing = value) or in the environment; known: known');
        return true;
      },
    );
  });

  it('a variable that refers to itself, and a malformed system variable, are errors at their lines', () => {
    const looping = parseHttpFile('@a = {{b}}\n@b = {{a}}\nGET /{{a}}');
    assert.throws(() => resolveRequest(looping, looping.requests[0]!), { name: 'HttpVariableError', line: 0, message: 'variable a refers to itself: a → b → a' });
    const system = parseHttpFile('GET /\nX: {{$randomInt 5}}\nY: {{$nope}}');
    assert.throws(() => resolveRequest(system, system.requests[0]!), { line: 1, message: '{{$randomInt 5}}: write {{$randomInt min max}} with integers min < max' });
    const unknown = parseHttpFile('GET /{{$nope}}');
    assert.throws(() => resolveRequest(unknown, unknown.requests[0]!), { line: 0, message: /^unknown system variable \{\{\$nope\}\} \(supported: \{\{\$guid\}\}/ });
  });

  it('a file variable is resolved once per request: one {{$guid}} everywhere it is used', () => {
    let n = 0;
    const file = parseHttpFile('@id = {{$guid}}\nGET /{{id}}\nX-Id: {{id}}');
    const resolved = resolveRequest(file, file.requests[0]!, { system: { ...pinned, randomUUID: () => `uuid-${++n}` } });
    assert.equal(resolved.url, '/uuid-1');
    assert.deepEqual(resolved.headers, { 'X-Id': 'uuid-1' });
  });
});
