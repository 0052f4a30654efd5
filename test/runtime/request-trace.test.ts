// What the runtime records for each request (issue 4 point 2: subrequests, console output, waitUntil work after the
// response, the outcome), and I/O objects used across requests (point 4: workerd's "Cannot perform I/O on behalf of a
// different request"). Records come over the control channel (RequestCompleted), as the editor receives them.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Stop } from '../../common/protocol.ts';
import { requestLine } from '../../common/requestLine.ts';
import { connectRpc, ensureRuntimeBuilt, fixture } from './helpers.ts';

const CROSS_REQUEST = /^Error: Cannot perform I\/O on behalf of a different request\. I\/O objects \(such as streams, request\/response bodies, and others\) created in the context of one request handler cannot be accessed from a different request's handler\./;

let upstream: http.Server;
let up = '';
let sidecar: ReturnType<typeof connectRpc>;
let base = '';

before(async () => {
  ensureRuntimeBuilt();
  upstream = http.createServer((req, res) => {
    // `/slow…` answers after the other request of the interleaving test has started.
    const delay = req.url?.startsWith('/slow') ? 80 : 0;
    setTimeout(() => res.end(`upstream ${req.method} ${req.url}`), delay);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  up = encodeURIComponent(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`);
  // One instance: requests that overlap share it, which is what makes attribution and cross-request I/O matter.
  sidecar = connectRpc([fixture('runtime-request-trace'), '--port', '0', '--instances', '1']);
  base = (await sidecar.events.ready).url;
});

after(async () => {
  await sidecar.connection.sendRequest(Stop);
  await sidecar.exited;
  upstream.close();
});

test('a record lists the subrequests, the console lines and the waitUntil work that ran after the response', async () => {
  const path = `/traced?tag=t1&up=${up}`;
  const response = await fetch(base + path);
  assert.equal(await response.text(), 'traced t1');
  const record = await sidecar.request(path);
  assert.equal(record.outcome, 'ok');
  assert.equal(record.status, 200);
  assert.deepEqual(
    record.subrequests.map(({ method, url, status }) => ({ method, url, status })),
    [
      { method: 'GET', url: `${decodeURIComponent(up)}one`, status: 200 },
      { method: 'POST', url: `${decodeURIComponent(up)}two`, status: 200 },
    ],
  );
  for (const sub of record.subrequests) {
    assert.ok(sub.startMs <= sub.headMs && sub.headMs <= sub.endMs!, `start ${sub.startMs} ≤ head ${sub.headMs} ≤ end ${sub.endMs}`);
  }
  assert.ok(record.subrequests[0]!.endMs! <= record.subrequests[1]!.startMs, 'the second fetch starts after the first body was read');
  assert.deepEqual(
    record.logs.map(({ level, message }) => ({ level, message })),
    [
      { level: 'info', message: 'start t1' },
      { level: 'warn', message: 'fetched t1' },
      { level: 'info', message: 'after the response t1' },
    ],
  );
  assert.match(record.logs[0]!.location ?? '', /runtime-request-trace\/src\/index\.ts:\d+:\d+$/);
  // The record waits for the waitUntil work: its last line came 150 ms after the response.
  assert.equal(record.waitUntil?.count, 1);
  assert.equal(record.waitUntil?.pendingAfterResponse, 1);
  assert.ok(record.waitUntil!.settledMs! >= record.logs[2]!.atMs && record.logs[2]!.atMs >= record.wallMs + 100, `waitUntil ${record.waitUntil!.settledMs} ms, line at ${record.logs[2]!.atMs} ms, response ${record.wallMs} ms`);
  assert.ok(record.cpuMs! <= record.wallMs);
  // The log line (the CLI's, and the extension's log, which gets only the record over --rpc) says it too.
  assert.match(requestLine(record), /^GET \/\S+ 200 [\d.]+ms cpu [\d.]+ms wall #1 · 2 subrequests · waitUntil [\d.]+ms$/);
});

test('requests that overlap in one instance each get their own lines and subrequests', async () => {
  const a = `/interleaved?tag=slowA&ms=60&up=${up}`;
  const b = `/interleaved?tag=B&ms=10&up=${up}`;
  const [ra, rb] = await Promise.all([fetch(base + a).then((r) => r.text()), fetch(base + b).then((r) => r.text())]);
  assert.deepEqual([ra, rb], ['slowA', 'B']);
  const [recordA, recordB] = await Promise.all([sidecar.request(a), sidecar.request(b)]);
  assert.equal(recordA.instance, recordB.instance, 'both ran in the one instance');
  assert.deepEqual(recordA.logs.map((line) => line.message), ['before slowA', 'after timer slowA', 'after fetch slowA']);
  assert.deepEqual(recordB.logs.map((line) => line.message), ['before B', 'after timer B', 'after fetch B']);
  assert.deepEqual(recordA.subrequests.map((sub) => sub.url), [`${decodeURIComponent(up)}slowA`]);
  assert.deepEqual(recordB.subrequests.map((sub) => sub.url), [`${decodeURIComponent(up)}B`]);
});

test('a failed subrequest is recorded with its error', async () => {
  await (await fetch(`${base}/failing-fetch`)).text();
  const record = await sidecar.request('/failing-fetch');
  assert.equal(record.subrequests.length, 1);
  assert.equal(record.subrequests[0]!.status, undefined);
  assert.match(record.subrequests[0]!.error ?? '', /^TypeError: fetch failed/);
});

test('a body kept from one request and read in another fails as in production', async () => {
  assert.equal(await (await fetch(`${base}/hold-body`, { method: 'POST', body: 'the first request body' })).text(), 'held');
  const read = await fetch(`${base}/read-body`);
  assert.equal(read.status, 500);
  assert.match(await read.text(), CROSS_REQUEST);

  await (await fetch(`${base}/hold-response`)).text();
  const text = await fetch(`${base}/read-response`);
  assert.equal(text.status, 500);
  assert.match(await text.text(), CROSS_REQUEST);

  await (await fetch(`${base}/hold-upstream?up=${up}`)).text();
  const upstreamBody = await fetch(`${base}/read-upstream`);
  assert.equal(upstreamBody.status, 500);
  assert.match(await upstreamBody.text(), CROSS_REQUEST);
});

test('returning a Response made in another request fails the request (500) with the same error', async () => {
  await (await fetch(`${base}/hold-response`)).text();
  const returned = await fetch(`${base}/return-response`);
  assert.equal(returned.status, 500);
  assert.match(await returned.text(), /Cannot perform I\/O on behalf of a different request/);
  const record = await sidecar.request('/return-response');
  assert.equal(record.outcome, 'exception');
});

test('what is not an I/O object may be shared: a settled promise of text, a stream the worker made', async () => {
  for (let i = 0; i < 2; i++) {
    const cached = await fetch(`${base}/cached-text?up=${up}`);
    assert.equal(cached.status, 200);
    assert.equal(await cached.text(), 'upstream GET /cached');
  }
  await (await fetch(`${base}/own-stream`)).text();
  const own = await fetch(`${base}/own-stream?read`);
  assert.equal(await own.text(), 'own');
});
