// Worker code must not exhaust the host's memory (outside the isolate's 128 MB limit): timers and decompressed output
// are capped with a clear error inside the worker; outbound response bodies are not buffered on the host at all (they
// stream as the worker reads them); fetch leaves only over http(s).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from './helpers.ts';

let dev: DevProcess;
let target: http.Server;
let targetUrl: string;

before(async () => {
  ensureRuntimeBuilt();
  dev = await startDev([fixture('runtime-limits/index.js'), '--port', '0']);
  target = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (req.url !== '/huge') return void res.end('small');
    // 129 MiB, streamed: more than the isolate's memory limit, so it can only pass as a stream.
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < 129) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
after(async () => {
  target.closeAllConnections();
  target.close();
  assert.equal(await dev.stop(), 0);
});

test('live timers are capped at 10,000 with a clear error', async () => {
  const res = await fetch(`${dev.url}/timers`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /^RangeError: Too many live timers: a worker may have at most 10000/);
});

test('an outbound response body of 129 MiB is not capped: the worker reads it as a stream, to the last byte', { timeout: 30_000 }, async () => {
  const small = await fetch(`${dev.url}/fetch?target=${encodeURIComponent(`${targetUrl}/small`)}`);
  assert.equal(await small.text(), 'fetched 5');
  const res = await fetch(`${dev.url}/fetch-count?target=${encodeURIComponent(`${targetUrl}/huge`)}`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), `fetched ${129 * 1024 * 1024}`);
});

test('fetch only loads http: and https: URLs (file:, data: … are refused on the host, like workerd)', async () => {
  for (const url of ['file:///etc/passwd', 'data:text/plain,hi', 'ftp://127.0.0.1/x']) {
    const res = await fetch(`${dev.url}/fetch?target=${encodeURIComponent(url)}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^TypeError: Fetch API cannot load: /, url);
  }
});

test('a decompression bomb errors the DecompressionStream instead of filling the host', { timeout: 30_000 }, async () => {
  const ok = await fetch(`${dev.url}/inflate`, { method: 'POST', body: gzipSync(Buffer.alloc(1000)) });
  assert.equal(await ok.text(), 'inflated 1000');
  const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024));
  const res = await fetch(`${dev.url}/inflate`, { method: 'POST', body: bomb });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /larger than the limit of 64 MiB/);
});
