// Streams over real HTTP: streamed (chunked) responses pulled chunk by chunk from the isolate with bounded memory,
// request bodies pulled lazily as streams, TransformStream/TextEncoderStream/TextDecoderStream and compression.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { ensureRuntimeBuilt, fixture, type DevProcess, rssKb, runtimePid, startDev } from './helpers.ts';

/** GET `url`, reading the body slowly enough for backpressure to matter; resolves with byte count, peak RSS, headers. */
function download(url: string, pid: number): Promise<{ bytes: number; peakKb: number; headers: Record<string, unknown>; allA: boolean }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let bytes = 0;
      let peakKb = 0;
      let allA = true;
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (allA && (chunk[0] !== 97 || chunk[chunk.byteLength - 1] !== 97)) allA = false;
        if (++n % 64 === 0) {
          peakKb = Math.max(peakKb, rssKb(pid));
          // Pause now and then: the host must wait for 'drain' instead of buffering what the isolate produces.
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () => resolve({ bytes, peakKb: Math.max(peakKb, rssKb(pid)), headers: res.headers, allA }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

before(() => ensureRuntimeBuilt());

describe('streams', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([fixture('runtime-streams-basic'), '--port', '0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('the stream classes are globals', async () => {
    const res = await fetch(`${dev.url}/globals`);
    for (const [name, type] of Object.entries((await res.json()) as Record<string, string>)) assert.equal(type, 'function', name);
  });

  test('a TransformStream-piped response is sent chunked, as it is produced', async () => {
    const res = await fetch(`${dev.url}/transform`);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(await res.text(), 'ONE TWO THREE');
  });

  test('a byte body keeps its Content-Length', async () => {
    const res = await fetch(`${dev.url}/blob`);
    assert.ok(Number(res.headers.get('content-length')) > 0);
    assert.equal(res.headers.get('transfer-encoding'), null);
  });

  test('a 50 MB streamed response: every byte arrives, the runtime process memory stays bounded', async () => {
    const pid = runtimePid(dev);
    // A first stream grows the heaps to their working size (garbage chunks wait for GC); memory must then stay flat:
    // neither another 50 MB nor a 200 MB stream may grow it by anything like the body size.
    const warm = await download(`${dev.url}/big?mb=50`, pid);
    const baseKb = rssKb(pid);
    const fifty = await download(`${dev.url}/big?mb=50`, pid);
    const twoHundred = await download(`${dev.url}/big?mb=200`, pid);
    assert.equal(warm.bytes, 50 * 1024 * 1024);
    assert.equal(fifty.bytes, 50 * 1024 * 1024);
    assert.equal(twoHundred.bytes, 200 * 1024 * 1024);
    assert.ok(fifty.allA && twoHundred.allA);
    const mb = (kb: number) => (kb / 1024).toFixed(1);
    console.log(`runtime RSS: peak ${mb(warm.peakKb)} MB during the first 50 MB stream; then ${mb(baseKb)} MB, peak ${mb(fifty.peakKb)} MB during 50 MB, ${mb(twoHundred.peakKb)} MB during 200 MB`);
    // Measured here: +15..50 MB for either (it depends on when V8 collects), flat over repeated 200 MB streams.
    // Buffering would cost at least the body size (200 MB, twice over with the copy into the socket); GC timing on a
    // loaded machine has been seen at +113 MB. The bound sits between the two.
    assert.ok(twoHundred.peakKb - baseKb < 160 * 1024, `RSS grew by ${mb(twoHundred.peakKb - baseKb)} MB while streaming 200 MB`);
  });

  test('a 200 MB request body is pulled by the worker as a stream, with bounded memory', async () => {
    const pid = runtimePid(dev);
    const upload = async (mb: number) => {
      const baseKb = rssKb(pid);
      let peakKb = baseKb;
      const chunk = new Uint8Array(256 * 1024).fill(98);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= mb * 1024 * 1024) return controller.close();
          sent += chunk.byteLength;
          if (sent % (4 * 1024 * 1024) === 0) peakKb = Math.max(peakKb, rssKb(pid));
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(`${dev.url}/echo-stream`, { method: 'POST', body, duplex: 'half' } as RequestInit);
      assert.deepEqual(await res.json(), { bytes: mb * 1024 * 1024, chunks: true, bodyUsed: true });
      return (peakKb - baseKb) / 1024;
    };
    await upload(50); // warm-up: the heaps grow to their working size
    const growthMb = await upload(200);
    console.log(`runtime RSS: +${growthMb.toFixed(1)} MB peak while the worker read a 200 MB request body`);
    // Buffering the body anywhere would cost at least its 200 MB; GC timing alone moves RSS by tens of MB.
    assert.ok(growthMb < 100, `RSS grew by ${growthMb.toFixed(1)} MB while uploading 200 MB`);
  });

  test('the request body piped straight back as the response body', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024 + 7, 'xyz');
    const res = await fetch(`${dev.url}/pipe`, { method: 'POST', body: payload, headers: { 'content-type': 'x/y' } });
    assert.equal(res.headers.get('content-type'), 'x/y');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(payload));
  });

  for (const route of ['/error-midway', '/not-bytes']) {
    test(`a response stream that fails after the head (${route}) aborts the connection; the worker keeps serving`, async () => {
      const res = await fetch(`${dev.url}${route}`);
      assert.equal(res.status, 200);
      await assert.rejects(res.arrayBuffer());
      await dev.waitFor('stderr', route === '/not-bytes' ? /This ReadableStream did not return bytes/ : /stream broke/);
      assert.equal((await fetch(`${dev.url}/text`, { method: 'POST', body: 'still here' })).status, 200);
    });
  }

  test('HEAD of a streamed response: no body, and the stream is cancelled', async () => {
    const res = await fetch(`${dev.url}/big?mb=50`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('TextEncoderStream → TextDecoderStream', async () => {
    assert.equal(await (await fetch(`${dev.url}/text-streams`)).text(), 'a€b');
  });

  for (const format of ['gzip', 'deflate', 'deflate-raw']) {
    test(`CompressionStream → DecompressionStream roundtrip (${format}), 1 MB`, async () => {
      const payload = Buffer.from(Array.from({ length: 40000 }, (_, i) => `line ${i} ${i * 7919 % 1000}\n`).join(''));
      const res = await fetch(`${dev.url}/compress?format=${format}`, { method: 'POST', body: payload });
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(payload));
    });
  }

  test('CompressionStream("gzip") output is real gzip; DecompressionStream reads node gzip', async () => {
    const payload = Buffer.from('hello gzip '.repeat(5000));
    const gz = Buffer.from(await (await fetch(`${dev.url}/gzip`, { method: 'POST', body: payload })).arrayBuffer());
    assert.ok(zlib.gunzipSync(gz).equals(payload));
    assert.ok(gz.byteLength < payload.byteLength / 10);
    const back = Buffer.from(await (await fetch(`${dev.url}/gunzip`, { method: 'POST', body: zlib.gzipSync(payload) })).arrayBuffer());
    assert.ok(back.equals(payload));
  });

  test('compression errors are the TypeErrors workerd throws', async () => {
    assert.deepEqual(await (await fetch(`${dev.url}/compress-errors`)).json(), {
      badFormat: { error: "TypeError: The compression format must be either 'deflate', 'deflate-raw' or 'gzip'." },
      badData: { error: 'TypeError: Decompression failed.' },
    });
  });
});
