// Unit tests of where a .http request goes: paths and the worker's own origin are sent, other origins are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendParamsFor, workerPathFor } from './httpFileTarget.ts';

const WORKER = 'http://127.0.0.1:8787';

describe('workerPathFor', () => {
  it('a path goes to the worker as written (the fragment stays in the editor)', () => {
    assert.equal(workerPathFor('/things?x=1#top', WORKER), '/things?x=1');
    assert.equal(workerPathFor('/', WORKER), '/');
  });

  it('an absolute URL at the worker origin, under any loopback name, becomes its path and query', () => {
    assert.equal(workerPathFor('http://127.0.0.1:8787/a/b?c=d', WORKER), '/a/b?c=d');
    assert.equal(workerPathFor('http://localhost:8787', WORKER), '/');
    assert.equal(workerPathFor('http://[::1]:8787/x', WORKER), '/x');
  });

  it('another origin is refused, saying which worker runs and how to write the URL instead', () => {
    assert.throws(() => workerPathFor('https://example.com/api?q=1', WORKER), {
      message: 'https://example.com is not the running worker (http://127.0.0.1:8787): Send Request only sends to the worker. Write the URL as a path (/api?q=1) or at http://127.0.0.1:8787.',
    });
    assert.throws(() => workerPathFor('http://127.0.0.1:9999/x', WORKER), /127\.0\.0\.1:9999 is not the running worker/);
    assert.throws(() => workerPathFor('https://127.0.0.1:8787/x', WORKER), /is not the running worker/);
  });

  it('something that is neither a path nor a URL is refused', () => {
    assert.throws(() => workerPathFor('things/1', WORKER), { message: '"things/1" is not a URL: write a path (/things) to send it to the running worker, or an absolute http:// URL at http://127.0.0.1:8787' });
    assert.throws(() => workerPathFor('//evil.example/x', WORKER), /is not a URL/, 'a protocol-relative URL would leave the worker');
  });
});

describe('sendParamsFor', () => {
  it('aims the resolved request at the worker, leaving out empty headers and a missing body', () => {
    assert.deepEqual(sendParamsFor({ method: 'GET', url: 'http://localhost:8787/x?y=1', headers: {} }, WORKER), { method: 'GET', path: '/x?y=1' });
    assert.deepEqual(sendParamsFor({ method: 'POST', url: '/t', headers: { A: 'b' }, body: '{}' }, WORKER), { method: 'POST', path: '/t', headers: { A: 'b' }, body: '{}' });
  });
});
