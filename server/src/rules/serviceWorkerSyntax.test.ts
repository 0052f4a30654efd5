// Unit tests of service-worker-syntax and its rewrite to module syntax: the rewritten text, exactly, for the common
// shapes; no fix for the shapes that cannot be rewritten without changing behaviour.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, diagnoseWorker, type WorkerFiles } from './testWorker.ts';

const config = (main: string) => `name = "w"\nmain = "${main}"\ncompatibility_date = "2026-10-01"\n\n[vars]\nGREETING = "hi"\nORIGIN = "https://example.com"\n`;
const js = (text: string): WorkerFiles => ({ 'wrangler.toml': config('src/index.js'), 'src/index.js': text });
const found = (files: WorkerFiles, file = 'src/index.js') => diagnoseWorker(files, file).filter((d) => d.code === 'service-worker-syntax');

/** The script after the rule's fix, checked to diagnose clean of the rule afterwards. */
function rewritten(files: WorkerFiles, file = 'src/index.js'): string {
  const [d] = found(files, file);
  assert.ok(d?.fixes?.[0], `expected a fix, got ${JSON.stringify(d)}`);
  const fixed = applyFix(files, d.fixes[0]);
  assert.deepEqual(found(fixed, file), []);
  return fixed[file]!;
}

describe('service-worker-syntax', () => {
  it('information on addEventListener, saying why it matters', () => {
    const text = `addEventListener('fetch', (event) => {\n  event.respondWith(new Response('hi'));\n});\n`;
    const [d, ...rest] = found(js(text));
    assert.equal(rest.length, 0);
    assert.equal(d!.severity, 'information');
    assert.deepEqual([d!.start, d!.end], [{ line: 0, character: 0 }, { line: 0, character: 16 }]);
    assert.match(d!.message, /^addEventListener\('fetch', …\) is the service-worker syntax, which Cloudflare has deprecated for module syntax \(export default \{ fetch \}\)\. In production /);
    assert.equal(d!.fixes![0]!.title, 'Rewrite index.js in module syntax (export default { fetch(request, env, ctx) })');
  });

  it('rewrites respondWith(handle(event.request)), threading env into the handler that reads bindings as globals', () => {
    const text = [
      '// The worker.',
      "addEventListener('fetch', (event) => {",
      '  event.respondWith(handle(event.request));',
      '});',
      '',
      'async function handle(request) {',
      '  const upstream = await fetch(ORIGIN + new URL(request.url).pathname);',
      '  return new Response(render({ GREETING }, upstream.status));',
      '}',
      '',
      'const render = (vars, status) => `${vars.GREETING} ${status} ${GREETING.length}`;',
      '',
    ].join('\n');
    assert.equal(
      rewritten(js(text)),
      [
        '// The worker.',
        'export default {',
        '  async fetch(request, env, ctx) {',
        '    return handle(request, env);',
        '  },',
        '};',
        '',
        'async function handle(request, env) {',
        '  const upstream = await fetch(env.ORIGIN + new URL(request.url).pathname);',
        '  return new Response(render({ GREETING: env.GREETING }, upstream.status, env));',
        '}',
        '',
        'const render = (vars, status, env) => `${vars.GREETING} ${status} ${env.GREETING.length}`;',
        '',
      ].join('\n'),
    );
  });

  it('rewrites an arrow body, waitUntil and passThroughOnException to ctx, and a scheduled listener', () => {
    const text = [
      "addEventListener('fetch', event => event.respondWith(fetch(event.request)));",
      "addEventListener('scheduled', (event) => {",
      '  event.waitUntil(fetch(ORIGIN + event.cron));',
      '});',
      "addEventListener('fetch2', () => {});",
      '',
    ].join('\n');
    assert.equal(rewritten(js(text)).replace(/^addEventListener\('fetch2'.*\n/m, ''), [
      'export default {',
      '  async fetch(request, env, ctx) {',
      '    return fetch(request);',
      '  },',
      '  async scheduled(event, env, ctx) {',
      '    ctx.waitUntil(fetch(env.ORIGIN + event.cron));',
      '  },',
      '};',
      '',
    ].join('\n'));

    const block = `addEventListener('fetch', (event) => {\n  event.passThroughOnException();\n  event.waitUntil(log(event.request.url));\n  event.respondWith(new Response('ok'));\n});\nfunction log(url) { return fetch(url); }\n`;
    assert.equal(
      rewritten(js(block)),
      `export default {\n  async fetch(request, env, ctx) {\n    ctx.passThroughOnException();\n    ctx.waitUntil(log(request.url));\n    return new Response('ok');\n  },\n};\nfunction log(url) { return fetch(url); }\n`,
    );
  });

  it('TypeScript: satisfies ExportedHandler<Env>, typed env parameters, and the result type-checks', () => {
    const files: WorkerFiles = {
      'wrangler.toml': config('src/index.ts'),
      'src/index.ts': `addEventListener('fetch', (event: FetchEvent) => {\n  event.respondWith(reply(event.request));\n});\nfunction reply(request: Request): Response {\n  return new Response(GREETING + request.url);\n}\n`,
    };
    const text = rewritten(files, 'src/index.ts');
    assert.equal(
      text,
      `export default {\n  async fetch(request, env, ctx) {\n    return reply(request, env);\n  },\n} satisfies ExportedHandler<Env>;\nfunction reply(request: Request, env: Env): Response {\n  return new Response(env.GREETING + request.url);\n}\n`,
    );
    assert.deepEqual(diagnoseWorker({ ...files, 'src/index.ts': text }), []);
  });

  it('diagnoses without a fix the shapes a rewrite would change', () => {
    const noFix = (text: string) => {
      const [d] = found(js(text));
      assert.ok(d, `no diagnostic for:\n${text}`);
      assert.equal(d.fixes, undefined, `unexpected fix for:\n${text}`);
    };
    // respondWith only sometimes: the other requests go on to the origin.
    noFix(`addEventListener('fetch', (event) => {\n  if (new URL(event.request.url).pathname === '/api') event.respondWith(new Response('api'));\n});\n`);
    noFix(`addEventListener('fetch', (event) => {\n  if (event.request.method !== 'GET') return;\n  event.respondWith(new Response('ok'));\n});\n`);
    // The event handed to a helper.
    noFix(`addEventListener('fetch', (event) => {\n  event.respondWith(handle(event));\n});\nfunction handle(event) { return new Response(event.request.url); }\n`);
    // A global no config declares (a secret from wrangler secret put?).
    noFix(`addEventListener('fetch', (event) => {\n  event.respondWith(new Response(API_TOKEN));\n});\n`);
    // A binding read where env cannot reach: top level, a function used as a callback.
    noFix(`const greeting = GREETING;\naddEventListener('fetch', (event) => {\n  event.respondWith(new Response(greeting));\n});\n`);
    noFix(`function greet(name) { return GREETING + name; }\naddEventListener('fetch', (event) => {\n  event.respondWith(new Response(['a'].map(greet).join()));\n});\n`);
    // Names the rewrite introduces already in use.
    noFix(`addEventListener('fetch', (event) => {\n  const request = event.request;\n  event.respondWith(fetch(request));\n});\n`);
  });

  it('says nothing about module workers or files other than the entry', () => {
    assert.deepEqual(found(js(`export default { fetch: () => new Response('ok') };\naddEventListener('fetch', () => {});\n`)), []);
    const files = { ...js(`import './listeners.js';\nexport default { fetch: () => new Response('ok') };\n`), 'src/listeners.js': `addEventListener('fetch', (e) => e.respondWith(new Response('')));\n` };
    assert.deepEqual(found(files, 'src/listeners.js'), []);
  });
});
