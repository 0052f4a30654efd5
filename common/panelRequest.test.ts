// Unit tests of the panel's request conversions (common/panelRequest.ts): variables, environments, bodies, cURL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCurl } from './curl.ts';
import { curlOf, environmentNames, environmentVariables, fromCurl, fromSendParams, MissingVariablesError, toSendParams } from './panelRequest.ts';
import type { PanelRequest } from './protocol.ts';

const field = (name: string, value: string, enabled = true) => ({ name, value, enabled });

describe('environments', () => {
  const environments = { $shared: { token: 'shared', n: 1 }, local: { token: 'local-token', host: 'a' }, prod: {} };
  it('merges $shared under the picked environment', () => {
    assert.deepEqual(environmentVariables(environments, 'local'), { token: 'local-token', n: '1', host: 'a' });
    assert.deepEqual(environmentVariables(environments, undefined), { token: 'shared', n: '1' });
    assert.deepEqual(environmentNames(environments), ['local', 'prod']);
  });
});

describe('toSendParams', () => {
  it('substitutes variables in path, headers and body, and skips unticked headers', () => {
    const request: PanelRequest = {
      method: 'post',
      path: '/users/{{ id }}?q={{q}}',
      headers: [field('Authorization', 'Bearer {{token}}'), field('X-Off', 'no', false), field('', 'ignored')],
      body: { kind: 'json', text: '{"id": "{{id}}"}' },
    };
    assert.deepEqual(toSendParams(request, { id: '7', q: 'x', token: 't' }), {
      params: { method: 'POST', path: '/users/7?q=x', headers: { Authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"id": "7"}' },
    });
  });
  it('names every variable without a value', () => {
    const request: PanelRequest = { method: 'GET', path: '/{{a}}/{{b}}', headers: [field('X', '{{a}}')], body: { kind: 'none' } };
    assert.throws(() => toSendParams(request, { c: '1' }), (err: unknown) => err instanceof MissingVariablesError && /\{\{a\}\}, \{\{b\}\}/.test(err.message) && /defines c/.test(err.message));
  });
  it('encodes form fields and keeps a content type the headers give', () => {
    const request: PanelRequest = { method: 'PUT', path: '/f', headers: [field('Content-Type', 'text/x-mine')], body: { kind: 'form', fields: [field('a b', '1&2'), field('c', 'd', false)] } };
    assert.deepEqual(toSendParams(request, {}).params, { method: 'PUT', path: '/f', headers: { 'Content-Type': 'text/x-mine' }, body: 'a%20b=1%262' });
  });
  it('leaves a file body for the caller to read', () => {
    const { params, file } = toSendParams({ method: 'POST', path: '/up', headers: [], body: { kind: 'file', path: '/tmp/{{name}}.bin' } }, { name: 'x' });
    assert.equal(file, '/tmp/x.bin');
    assert.equal(params.body, undefined);
    assert.equal(params.headers?.['content-type'], 'application/octet-stream');
  });
});

describe('cURL', () => {
  it('imports a command as a panel request with a JSON body', () => {
    const request = fromCurl(parseCurl(`curl -X POST 'http://127.0.0.1:8787/api/items?x=1' -H 'content-type: application/json' -d '{"a":1}'`));
    assert.deepEqual(request, { method: 'POST', path: '/api/items?x=1', headers: [field('content-type', 'application/json')], body: { kind: 'json', text: '{"a":1}' } });
  });
  it('imports form data as fields and a host without a scheme', () => {
    const request = fromCurl(parseCurl(`curl localhost:8787/login -d 'user=ana&pw=a%20b'`));
    assert.equal(request.path, '/login');
    assert.deepEqual(request.body, { kind: 'form', fields: [field('user', 'ana'), field('pw', 'a b')] });
  });
  it('refuses a multipart form with the reason', () => {
    assert.throws(() => fromCurl(parseCurl('curl http://x/ -F a=1')), /multipart/);
  });
  it('copies a request as a command against the worker', () => {
    const { params } = toSendParams({ method: 'PATCH', path: '/a?b=1', headers: [field('X-T', "it's")], body: { kind: 'text', text: 'hi' } }, {});
    assert.equal(curlOf(params, 'http://127.0.0.1:8787'), `curl -X PATCH 'http://127.0.0.1:8787/a?b=1' -H 'X-T: it'\\''s' -H 'content-type: text/plain; charset=utf-8' --data-raw hi`);
    assert.equal(curlOf({ method: 'POST', path: '/up', headers: {} }, 'http://w', '/tmp/my file.bin'), `curl -X POST http://w/up --data-binary '@/tmp/my file.bin'`);
  });
  it('shows a request another feature sent', () => {
    assert.deepEqual(fromSendParams({ method: 'post', path: '/j', headers: { 'Content-Type': 'application/json' }, body: '{}' }), {
      method: 'POST',
      path: '/j',
      headers: [field('Content-Type', 'application/json')],
      body: { kind: 'json', text: '{}' },
    });
  });
});
