// Routing between the workers of one sidecar: patterns from the config, the most specific match, local Hosts matched
// on the path alone, the first worker as the fallback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routePatterns, routeRequest } from './routes.ts';

const at = (path: string) => new URL(`http://127.0.0.1:8787${path}`);

test('route and routes (strings and objects) become patterns', () => {
  assert.deepEqual(routePatterns({ route: 'example.com/api/*', routes: [{ pattern: 'shop.example.com/*', zone_name: 'example.com' }, { pattern: 'api.example.com', custom_domain: true }] }), [
    { pattern: 'example.com/api/*', host: 'example.com', path: '/api/*' },
    { pattern: 'shop.example.com/*', host: 'shop.example.com', path: '/*' },
    { pattern: 'api.example.com', host: 'api.example.com', path: '/*' },
  ]);
  assert.deepEqual(routePatterns({}), []);
});

test('a local request is routed on its path; the most specific pattern wins; no match goes to the first worker', () => {
  const workers = [routePatterns({ route: 'example.com/*' }), routePatterns({ routes: ['example.com/api/*'] }), routePatterns({ routes: ['example.com/api/admin'] })];
  assert.equal(routeRequest(workers, at('/'), '127.0.0.1:8787'), 0);
  assert.equal(routeRequest(workers, at('/api/users'), '127.0.0.1:8787'), 1);
  assert.equal(routeRequest(workers, at('/api/admin'), 'localhost:8787'), 2);
  assert.equal(routeRequest([[], routePatterns({ route: 'example.com/api/*' })], at('/other'), '127.0.0.1'), 0);
});

test('with another Host, the host must match too (wildcard hosts included)', () => {
  const workers = [[], routePatterns({ route: '*.example.com/*' }), routePatterns({ route: 'api.example.com/*' })];
  assert.equal(routeRequest(workers, at('/x'), 'api.example.com'), 2);
  assert.equal(routeRequest(workers, at('/x'), 'shop.example.com'), 1);
  assert.equal(routeRequest(workers, at('/x'), 'example.org'), 0);
});
