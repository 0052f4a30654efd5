// Parity with the real runtime: the same requests against `worker-studio dev` and against workerd (the oracle),
// running the same esbuild bundle, must give the same status, content-type and body bytes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startWorkerd, type Oracle } from '../workerd.ts';
import { ensureRuntimeBuilt, fixture, repoRoot, startDev, type DevProcess } from './helpers.ts';

interface Observed {
  status: number;
  statusText: string;
  headers: string[];
  contentType: string | null;
  setCookie: string[];
  body: string;
}

async function observe(base: string, pathname: string, init: RequestInit = {}): Promise<Observed> {
  const res = await fetch(base + pathname, { ...init, headers: { 'user-agent': 'parity/1', ...(init.headers as Record<string, string>) } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, statusText: res.statusText, headers: [...res.headers.keys()].filter((k) => !['date', 'connection', 'keep-alive'].includes(k)), contentType: res.headers.get('content-type'), setCookie: res.headers.getSetCookie(), body: bytes.toString('base64') };
}

function parity(name: string, projectPath: string, bindings: string, requests: [string, RequestInit?][]): void {
  describe(`parity with workerd: ${name}`, () => {
    let dev: DevProcess;
    let oracle: Oracle;
    before(async () => {
      ensureRuntimeBuilt();
      [dev, oracle] = await Promise.all([startDev([projectPath, '--port', '0']), startWorkerd(projectPath, bindings)]);
    });
    after(async () => {
      await Promise.all([dev?.stop(), oracle?.stop()]);
    });
    for (const [pathname, init] of requests) {
      test(`${init?.method ?? 'GET'} ${pathname}`, async () => {
        const [ours, theirs] = await Promise.all([observe(dev.url, pathname, init), observe(oracle.url, pathname, init)]);
        assert.deepEqual(ours, theirs);
      });
    }
  });
}

parity('examples/hello', path.join(repoRoot, 'examples/hello'), '', [['/'], ['/x?y=1&z=%C3%A9'], ['/a/b/../c?q=a+b&q=2#frag']]);

parity('runtime-headers', fixture('runtime-headers'), '(name = "GREETING", text = "hi"), (name = "LIMITS", json = "{\\"max\\": 3}")', [
  ['/echo', { method: 'POST', body: 'héllo', headers: { 'x-custom': 'abc' } }],
  ['/cookies'],
  ['/env'],
  ['/json', { method: 'POST', body: '{"n": 21}' }],
  ['/missing'],
]);
