// Slice D: what crosses to the host — timers, crypto and outbound fetch — through a real `worker-studio dev`,
// with crypto results checked against Node's WebCrypto and (for deterministic outputs) against workerd.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startWorkerd, type Oracle } from '../workerd.ts';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from './helpers.ts';

const project = fixture('runtime-host-platform');
const hex = (buf: ArrayBuffer) => Buffer.from(buf).toString('hex');
const enc = new TextEncoder();

async function getJson(base: string, pathname: string): Promise<Record<string, any>> {
  const res = await fetch(base + pathname);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

/** A local HTTP server on 127.0.0.1 for the outbound fetch routes (tests never reach private ranges or the internet). */
function startTarget(): Promise<{ url: string; server: http.Server; seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[]; closed: string[] }> {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const closed: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/final' }).end();
      } else if (req.url === '/final') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('final stop');
      } else if (req.url === '/slow') {
        res.on('close', () => closed.push('/slow'));
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        // Never ends: only an abort on the host side closes it.
      } else {
        res.writeHead(req.url === '/echo' ? 201 : 200, 'Echoed', { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, xTest: req.headers['x-test'] ?? null, type: req.headers['content-type'] ?? null, body }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen, closed })));
}

describe('host platform (timers, crypto, fetch) in worker-studio dev', () => {
  let dev: DevProcess;
  before(async () => {
    ensureRuntimeBuilt();
    dev = await startDev([project, '--port', '0']);
  });
  after(async () => {
    await dev?.stop();
  });

  test('the globals exist', async () => {
    const globals = await getJson(dev.url, '/globals');
    assert.deepEqual(globals, { setTimeout: 'function', setInterval: 'function', clearTimeout: 'function', clearInterval: 'function', scheduler: 'object', crypto: 'object', CryptoKey: 'function', SubtleCrypto: 'function', fetch: 'function', performance: 'object' });
  });

  test('timers fire in order, pass arguments, clear; setInterval + clearInterval; scheduler.wait', async () => {
    assert.deepEqual(await getJson(dev.url, '/timers'), {
      order: ['a-0!?', 'c-10', 'b-20'], ticks: 3, waitedEnough: true, firedAfterNumericClear: false,
      // workerd at this fixture's compatibility date (2026-10-01) returns a Node-style Timeout coercible to its id.
      idType: 'object', idNumeric: true, idJson: '{}', idMethods: ['close', 'constructor', 'hasRef', 'ref', 'refresh', 'unref'],
    });
  });

  test('a throwing timer callback is logged as uncaught and the worker carries on', async () => {
    assert.deepEqual(await getJson(dev.url, '/throwing-timer'), { survived: true });
    await dev.waitFor('stderr', /Uncaught \(in timer callback\) Error: boom from a timer\n\s+at .*runtime-host-platform\/src\/index\.ts:\d+/);
  });

  test('getRandomValues and randomUUID', async () => {
    const r = await getJson(dev.url, '/random');
    assert.equal(r.aLength, 32);
    assert.equal(r.aNonZero, true);
    assert.equal(r.bLength, 4);
    assert.equal(r.quota, 'QuotaExceededError');
    assert.equal(r.mismatch, 'TypeMismatchError');
    assert.equal(r.max, 65536);
    for (const uuid of r.uuids) assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(r.uuids[0], r.uuids[1]);
  });

  test('subtle: digest, HMAC, AES-GCM/CBC, PBKDF2, HKDF agree with Node WebCrypto', async () => {
    const r = await getJson(dev.url, '/subtle');
    const subtle = webcrypto.subtle;
    const data = enc.encode('hello worker studio');
    for (const alg of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) assert.equal(r.digests[alg], hex(await subtle.digest(alg, data)), alg);
    const hmacKey = await subtle.importKey('raw', enc.encode('secret-key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
    assert.equal(r.hmac, hex(await subtle.sign('HMAC', hmacKey, data)));
    assert.equal(r.hmacOk, true);
    assert.deepEqual(r.hmacJwk, { kty: 'oct', alg: 'HS256', k: Buffer.from('secret-key').toString('base64url') });
    assert.deepEqual(r.hmacKey, { type: 'secret', extractable: true, usages: ['sign', 'verify'], algorithm: { name: 'HMAC', length: 80, hash: { name: 'SHA-256' } } });
    const aesKey = await subtle.importKey('raw', new Uint8Array(16).fill(7), 'AES-GCM', false, ['encrypt']);
    assert.equal(r.aesGcm, hex(await subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12).fill(1) }, aesKey, data)));
    assert.equal(r.opened, 'hello worker studio');
    const cbcKey = await subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-CBC', false, ['encrypt']);
    assert.equal(r.cbc, hex(await subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, cbcKey, data)));
    const pbkdf2 = await subtle.importKey('raw', enc.encode('password'), 'PBKDF2', false, ['deriveBits']);
    assert.equal(r.pbkdf2, hex(await subtle.deriveBits({ name: 'PBKDF2', salt: enc.encode('salt'), iterations: 1000, hash: 'SHA-256' }, pbkdf2, 256)));
    const hkdf = await subtle.importKey('raw', enc.encode('input key'), 'HKDF', false, ['deriveBits']);
    assert.equal(r.hkdf, hex(await subtle.deriveBits({ name: 'HKDF', salt: enc.encode('s'), info: enc.encode('i'), hash: 'SHA-256' }, hkdf, 128)));
    assert.equal(r.isCryptoKey, true);
  });

  test('subtle: generateKey, ECDSA/Ed25519/RSASSA sign-verify, spki/pkcs8, ECDH deriveBits/deriveKey, errors', async () => {
    const r = await getJson(dev.url, '/keys');
    assert.deepEqual(r, {
      ecOk: true, ecBad: false, reOk: true, spkiBytes: true, pkcs8Bytes: true, edOk: true, rsaOk: true, ecdhAgree: true,
      derived: { type: 'secret', algorithm: { name: 'AES-GCM', length: 256 }, usages: ['encrypt'] },
      ecPair: { pub: 'public', priv: 'private', alg: { name: 'ECDSA', namedCurve: 'P-256' } },
      rsaAlg: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024 },
      errorName: 'InvalidAccessError', illegal: 'TypeError',
    });
  });

  test('crypto.DigestStream', async () => {
    const expected = hex(await webcrypto.subtle.digest('SHA-256', enc.encode('hello world')));
    assert.deepEqual(await getJson(dev.url, '/digest-stream'), { hex: expected, isWritable: true, isDigest: true });
  });

  describe('outbound fetch to a local server', () => {
    let target: Awaited<ReturnType<typeof startTarget>>;
    before(async () => {
      target = await startTarget();
    });
    after(async () => {
      target.server.closeAllConnections();
      await new Promise((resolve) => target.server.close(resolve));
    });

    test('GET with headers, POST with a body, redirect follow/manual/error, connection refused', async () => {
      const r = await getJson(dev.url, `/fetch?target=${encodeURIComponent(target.url)}`);
      assert.deepEqual(r.get, { status: 200, ok: true, type: 'application/json', body: { method: 'GET', url: '/hello?x=1', xTest: 'yes', type: null, body: '' } });
      assert.deepEqual(r.post, { status: 201, statusText: 'Echoed', body: { method: 'POST', url: '/echo', xTest: null, type: 'text/plain', body: 'posted body' } });
      assert.deepEqual(r.followed, { status: 200, redirected: true, url: `${target.url}/final`, text: 'final stop' });
      assert.deepEqual(r.manual, { status: 302, redirected: false, location: '/final' });
      assert.equal(r.errorRedirect, 'TypeError');
      assert.equal(r.refused, 'TypeError');
    });

    test('an aborted signal cancels the host request', async () => {
      const r = await getJson(dev.url, `/abort?target=${encodeURIComponent(target.url)}`);
      assert.deepEqual(r, { name: 'AbortError', preName: 'AbortError', fast: true });
      // The host closed its connection to the slow endpoint.
      for (let i = 0; i < 50 && !target.closed.includes('/slow'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(target.closed, ['/slow']);
    });
  });
});

describe('parity with workerd: deterministic crypto and timers', () => {
  let dev: DevProcess;
  let oracle: Oracle;
  before(async () => {
    ensureRuntimeBuilt();
    [dev, oracle] = await Promise.all([startDev([project, '--port', '0']), startWorkerd(project, '')]);
  });
  after(async () => {
    await Promise.all([dev?.stop(), oracle?.stop()]);
  });
  for (const pathname of ['/subtle', '/keys', '/timers', '/globals', '/digest-stream']) {
    test(pathname, async () => {
      const [ours, theirs] = await Promise.all([getJson(dev.url, pathname), getJson(oracle.url, pathname)]);
      assert.deepEqual(ours, theirs);
    });
  }
  test('/random (shape)', async () => {
    const [ours, theirs] = await Promise.all([getJson(dev.url, '/random'), getJson(oracle.url, '/random')]);
    const shape = (r: Record<string, any>) => ({ ...r, uuids: r.uuids.map((u: string) => u.replace(/[0-9a-f]/g, 'x').length) });
    assert.deepEqual(shape(ours), shape(theirs));
  });
});
