// Outbound fetch streams its bodies both ways, over real HTTP: a local upstream server, a worker in `worker-studio dev`
// that fetches from it, and this test as the client. Streaming is measured as how far the sender gets ahead of the
// receiver (a body held whole anywhere on the way lets it get the whole body ahead), and as the runtime sidecar's peak
// RSS (VmHWM, reset before each measurement).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ensureRuntimeBuilt, fixture, resetPeakRss, rssKb, runtimePid, startDev, type DevProcess } from './helpers.ts';

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** The bytes of chunk `i` of a generated body: not all alike, so a lost or repeated chunk changes the checksum. */
function chunkOf(i: number): Buffer {
  return Buffer.alloc(CHUNK, `chunk ${i} `);
}

/** The upstream: what it sent and received, and an event `close <url>` when a response's connection closes. */
interface Upstream {
  url: string;
  server: http.Server;
  events: EventEmitter;
  /** Bytes of the current `/big` body written so far, and the sha256 of the last one written in full. */
  sent: number;
  sentSha256?: string;
  /** Bytes of the current `/sink` body received so far. */
  received: number;
}

function startUpstream(): Promise<Upstream> {
  const upstream = { events: new EventEmitter(), sent: 0, received: 0 } as Upstream;
  upstream.server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://upstream');
    res.on('close', () => upstream.events.emit(`close ${url.pathname}`));
    res.on('error', () => {});
    if (url.pathname === '/big' || url.pathname === '/endless') {
      // Written as fast as the connection takes it (write() → false waits for 'drain'): only back-pressure holds it back.
      const chunks = url.pathname === '/big' ? (Number(url.searchParams.get('mb')) * MB) / CHUNK : Infinity;
      const hash = createHash('sha256');
      let i = 0;
      upstream.sent = 0;
      const pump = () => {
        while (i < chunks && !res.destroyed) {
          const chunk = chunkOf(i++);
          hash.update(chunk);
          upstream.sent += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (res.destroyed) return;
        upstream.sentSha256 = hash.digest('hex');
        res.end();
      };
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pump();
      return;
    }
    if (url.pathname === '/sink') {
      const hash = createHash('sha256');
      upstream.received = 0;
      req.on('data', (chunk: Buffer) => {
        upstream.received += chunk.byteLength;
        hash.update(chunk);
      });
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: upstream.received, sha256: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked' })));
      return;
    }
    if (url.pathname === '/early') {
      // Answers as soon as the first bytes arrive, while the worker is still producing the rest.
      let total = 0;
      req.on('data', (chunk: Buffer) => {
        if (total === 0) res.writeHead(200, { 'content-type': 'text/plain' }).write(`seen ${chunk.byteLength}\n`);
        total += chunk.byteLength;
      });
      req.on('end', () => res.end(`total ${total}`));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    upstream.server.listen(0, '127.0.0.1', () => {
      upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
      resolve(upstream);
    }),
  );
}

/**
 * GETs `url` reading like a slow client (a short pause every 64 reads): the body's byte count and sha256, and the most
 * the upstream was ever ahead of this client (`lead()` at each read): all that is held on the way (kernel socket buffers
 * included), and the whole body if anything waits for the end.
 */
function download(url: string, lead: (received: number) => number): Promise<{ status: number; bytes: number; sha256: string; maxLeadMb: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        let reads = 0;
        let maxLead = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.byteLength;
          hash.update(chunk);
          maxLead = Math.max(maxLead, lead(bytes));
          if (++reads % 64 === 0) {
            res.pause();
            setTimeout(() => res.resume(), 2);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode!, bytes, sha256: hash.digest('hex'), maxLeadMb: maxLead / MB }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** POSTs a generated body of `mb` MB as a stream to `url`: its sha256, the answer, and the most it was ever ahead of the upstream. */
async function upload(url: string, mb: number, lead: (sent: number) => number): Promise<{ sha256: string; status: number; json: unknown; maxLeadMb: number }> {
  const hash = createHash('sha256');
  let i = 0;
  let sent = 0;
  let maxLead = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      maxLead = Math.max(maxLead, lead(sent));
      if (i === (mb * MB) / CHUNK) return controller.close();
      const chunk = chunkOf(i++);
      hash.update(chunk);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const res = await fetch(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
  return { sha256: hash.digest('hex'), status: res.status, json: await res.json(), maxLeadMb: maxLead / MB };
}

/** The sidecar's peak RSS growth while `run` runs, in MB (from its RSS at the start). */
async function peakGrowthMb<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  resetPeakRss(pid);
  const baseKb = rssKb(pid, 'VmRSS');
  const result = await run();
  return { result, growthMb: (rssKb(pid, 'VmHWM') - baseKb) / 1024 };
}

const mb = (value: number) => `${value.toFixed(1)} MB`;

before(() => ensureRuntimeBuilt());

describe('outbound fetch streams its bodies', () => {
  let dev: DevProcess;
  let upstream: Upstream;
  let pid: number;
  const route = (pathname: string, query = '') => `${dev.url}${pathname}?target=${encodeURIComponent(upstream.url)}${query}`;

  before(async () => {
    [dev, upstream] = await Promise.all([startDev([fixture('runtime-fetch-streams/index.js'), '--port', '0']), startUpstream()]);
    pid = runtimePid(dev);
  });
  after(async () => {
    upstream.server.closeAllConnections();
    upstream.server.close();
    assert.equal(await dev.stop(), 0);
  });

  /** A 50 MB transfer through the worker, checked end to end; `maxLeadMb`: how far the sender got ahead of the receiver. */
  const transfers: Record<'response' | 'request body', (path: string) => Promise<{ maxLeadMb: number }>> = {
    response: async (path: string) => {
      const result = await download(route(path, '&mb=50'), (received) => upstream.sent - received);
      assert.equal(result.status, 200);
      assert.equal(result.bytes, 50 * MB);
      assert.equal(result.sha256, upstream.sentSha256);
      return result;
    },
    'request body': async (path: string) => {
      const result = await upload(route(path), 50, (sent) => sent - upstream.received);
      assert.equal(result.status, 200);
      assert.deepEqual(result.json, { bytes: 50 * MB, sha256: result.sha256, chunked: true });
      return result;
    },
  };
  // A body passed on untouched stays on the host (it never enters the isolate); piped through a TransformStream, every
  // chunk crosses into the isolate and out again.
  const cases = [
    { path: '/proxy', what: 'response', how: 'proxied as it is (`return fetch(upstream)`)', untouched: true },
    { path: '/proxy-transform', what: 'response', how: 'piped through a TransformStream in the worker', untouched: false },
    { path: '/upload', what: 'request body', how: 'streamed on as it is (`fetch(upstream, { body: request.body })`)', untouched: true },
    { path: '/upload-transform', what: 'request body', how: 'piped through a TransformStream in the worker', untouched: false },
  ] as const;
  for (const { path, what, how, untouched } of cases) {
    test(`a 50 MB ${what} ${how}: every byte arrives, nothing on the way holds the body`, { timeout: 60_000 }, async () => {
      // Warm-up: the heaps grow to their working size (garbage chunks wait for GC) on a first run.
      const warm = await peakGrowthMb(pid, () => transfers[what](path));
      const { result, growthMb } = await peakGrowthMb(pid, () => transfers[what](path));
      const lead = Math.max(result.maxLeadMb, warm.result.maxLeadMb);
      console.log(`${path}: the sender at most ${mb(lead)} ahead of the receiver; sidecar peak RSS +${mb(warm.growthMb)} the first time, then +${mb(growthMb)}`);
      // Anything holding the body whole lets the sender get all 50 MB ahead; back-pressure, socket buffers' worth.
      assert.ok(lead < 40, `the sender got ${mb(lead)} ahead of the receiver`);
      // Dead chunks wait for V8's GC (tens of MB, more when they cross the isolate), so memory gets a bound under the
      // body's size only where nothing crosses.
      if (untouched) assert.ok(growthMb < 50, `the sidecar's RSS peaked ${mb(growthMb)} above its start during a 50 MB ${what}`);
    });
  }

  test('a request body still being produced: the upstream sees the first chunk, and its response arrives, before the worker closes the body', async () => {
    const res = await fetch(route('/produce'));
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { status: 200, seen: 'seen 12', total: 'total 25' });
  });

  test('a response body the worker cancels closes the upstream connection', async () => {
    const closed = once(upstream.events, 'close /endless');
    const res = await fetch(route('/cancel'));
    assert.deepEqual(await res.json(), { first: true });
    await closed;
  });

  test('a response body left unread is cancelled once the isolate collects it: the upstream connection closes', async () => {
    let closed = false;
    upstream.events.once('close /endless', () => (closed = true));
    assert.equal(await (await fetch(route('/ignore-body'))).text(), '200');
    // Each /churn makes the isolate collect garbage; the unread body's stream is among it.
    for (let i = 0; i < 20 && !closed; i++) assert.equal((await fetch(route('/churn'))).status, 200);
    assert.ok(closed, 'the upstream connection of the unread body is still open');
  });

  test('aborting the signal while the body is read fails the read with AbortError and closes the upstream connection', async () => {
    const closed = once(upstream.events, 'close /endless');
    const res = await fetch(route('/abort-body'));
    assert.deepEqual(await res.json(), { error: 'AbortError' });
    await closed;
  });
});
