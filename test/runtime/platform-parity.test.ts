// Slice B of the Workers platform (URL, URLPattern, Event/EventTarget, AbortController/AbortSignal, DOMException, atob/btoa,
// structuredClone, navigator, TextEncoder/TextDecoder), run inside the isolate over real HTTP and compared with workerd:
// each route of the runtime-platform fixture answers JSON describing results and errors, which must be identical.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { startWorkerd, type Oracle } from '../workerd.ts';
import { ensureRuntimeBuilt, fixture, repoRoot, startDev, type DevProcess } from './helpers.ts';

const ROUTES = ['/url', '/urlpattern', '/events', '/abort', '/base64', '/clone', '/globals', '/encoding'];

describe('platform parity with workerd (slice B)', () => {
  let dev: DevProcess;
  let oracle: Oracle;
  before(async () => {
    ensureRuntimeBuilt();
    [dev, oracle] = await Promise.all([startDev([fixture('runtime-platform'), '--port', '0']), startWorkerd(fixture('runtime-platform'), '')]);
  });
  after(async () => {
    await Promise.all([dev?.stop(), oracle?.stop()]);
  });
  for (const route of ROUTES) {
    test(route, async () => {
      const [ours, theirs] = await Promise.all([fetch(dev.url + route), fetch(oracle.url + route)]);
      const [ourBody, theirBody] = await Promise.all([ours.text(), theirs.text()]);
      assert.equal(theirs.status, 200, theirBody);
      assert.deepEqual(JSON.parse(ourBody), JSON.parse(theirBody));
      assert.equal(ours.status, 200);
    });
  }
});

test("the prelude's tr46 fast path agrees with tr46 for every ASCII code point", () => {
  const require = createRequire(import.meta.url);
  const real = require(`${repoRoot}/node_modules/tr46/index.js`) as { toASCII(d: string, o: object): string | null };
  const shim = require(`${repoRoot}/runtime/isolate/shims/tr46.cjs`) as { toASCII(d: string, o: object): string | null };
  const options = { checkHyphens: false, checkBidi: true, checkJoiners: true, useSTD3ASCIIRules: false, transitionalProcessing: false, verifyDNSLength: false, ignoreInvalidPunycode: false };
  const inputs = ['', '.', 'a..b', 'EXAMPLE.com.', 'xn--nxasmq6b', 'XN--NXASMQ6B.de', 'a.xn--', 'xn--a', '-x-.y', 'ab--cd'];
  for (let c = 0; c < 128; c++) inputs.push(`a${String.fromCharCode(c)}B`);
  for (const input of inputs) assert.equal(shim.toASCII(input, options), real.toASCII(input, options), JSON.stringify(input));
});
