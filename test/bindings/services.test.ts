// Two workers in one sidecar (`dev -c web -c api`, test/fixtures/multi-worker): routes decide which worker a request
// goes to; `web`'s service bindings reach `api` — fetch (as api's own request, logged as api's), RPC on the default
// entrypoint and on a named one — and a Durable Object class of api's (`script_name`) is the same object for both;
// the answers are Miniflare's for the same two workers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';

describe('service bindings between two workers: Worker Studio answers as Miniflare does', () => {
  let mf: Miniflare | undefined;
  let dev: DevProcess | undefined;
  before(async () => {
    ensureRuntimeBuilt();
    const script = (name: string) => readFileSync(fixture(`multi-worker/${name}/src/index.js`), 'utf8');
    mf = new Miniflare({
      workers: [
        {
          name: 'web',
          modules: true,
          script: script('web'),
          compatibilityDate: '2026-07-01',
          serviceBindings: { API: 'api', ADMIN: { name: 'api', entrypoint: 'Admin' } },
          durableObjects: { COUNTER: { className: 'Counter', scriptName: 'api', useSQLite: true } },
        },
        { name: 'api', modules: true, script: script('api'), compatibilityDate: '2026-07-01', bindings: { ROLE: 'operator' }, durableObjects: { COUNTERS: { className: 'Counter', useSQLite: true } } },
      ],
    });
    [, dev] = await Promise.all([mf.ready, startDev(['-c', fixture('multi-worker/web/wrangler.toml'), '-c', fixture('multi-worker/api/wrangler.toml'), '--port', '0', '--no-persist'])]);
  });
  after(async () => {
    await mf?.dispose();
    if (dev) assert.equal(await dev.stop(), 0);
  });

  for (const path of ['/fetch', '/rpc', '/objects']) {
    test(`web ${path}`, async () => {
      const expected = await (await mf!.dispatchFetch(`http://localhost${path}`)).json();
      const actual = await (await fetch(`${dev!.url}${path}`)).json();
      assert.deepEqual(actual, expected);
    });
  }

  test('a service binding\'s fetch is api\'s own request: logged as api\'s, with the URL the caller gave', async () => {
    await fetch(`${dev!.url}/fetch`);
    await dev!.waitFor('stdout', /^\[api\] POST \/api\/hello\?x=1 200 /m);
  });

  test('routes: /api/* goes to api (its route), anything else to web (the first worker); the marker headers can\'t be forged', async () => {
    assert.deepEqual(await (await fetch(`${dev!.url}/api/users`)).json(), { worker: 'api', url: `${dev!.url}/api/users`, path: '/api/users', method: 'GET', body: null, from: null });
    assert.deepEqual(await (await fetch(`${dev!.url}/elsewhere`)).json(), { worker: 'web', path: '/elsewhere' });
    const forged = await fetch(`${dev!.url}/x`, { headers: { 'x-worker-studio-service': 'api', 'x-worker-studio-token': 'guess' } });
    assert.deepEqual(await forged.json(), { worker: 'web', path: '/x' });
  });
});
