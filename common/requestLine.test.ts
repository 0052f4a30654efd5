// The one line per request that the CLI prints and the extension logs (common/requestLine.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from './protocol.ts';
import { requestLine } from './requestLine.ts';

const record = (extra: Partial<RequestRecord> = {}): RequestRecord => ({
  id: 1,
  method: 'GET',
  url: '/api?x=1',
  status: 200,
  startedAt: 0,
  wallMs: 1.7,
  cpuMs: 0.4,
  instance: 2,
  outcome: 'ok',
  subrequests: [],
  logs: [],
  ...extra,
});

test('a plain request: method, path and query, status, CPU, wall, instance', () => {
  assert.equal(requestLine(record()), 'GET /api?x=1 200 0.4ms cpu 1.7ms wall #2');
});

test('subrequests, waitUntil work and a cancellation are added when there is something to say', () => {
  const subrequest = { method: 'GET', url: 'https://example.com/', status: 200, startMs: 0, headMs: 1 };
  assert.equal(
    requestLine(record({ subrequests: [subrequest, subrequest], waitUntil: { count: 1, pendingAfterResponse: 1, settledMs: 152 }, outcome: 'canceled' })),
    'GET /api?x=1 200 0.4ms cpu 1.7ms wall #2 · 2 subrequests · waitUntil 152ms · canceled',
  );
  assert.equal(requestLine(record({ subrequests: [subrequest], waitUntil: { count: 1, pendingAfterResponse: 1 } })), 'GET /api?x=1 200 0.4ms cpu 1.7ms wall #2 · 1 subrequest · waitUntil cut short');
});

test('a request the worker never ran (no instance, no CPU figure) says only what is known', () => {
  assert.equal(requestLine(record({ cpuMs: undefined, instance: undefined, status: 500 })), 'GET /api?x=1 500 1.7ms wall');
});
