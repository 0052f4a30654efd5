// Unit tests of the unknown-binding rule: projects on disk (the config is read from there), through diagnoseFile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, diagnoseWorker, type WorkerFiles } from './testWorker.ts';

const TOML = `name = "w"\nmain = "src/index.ts"\ncompatibility_date = "2026-10-01"\n\n[vars]\nAPI_HOST = "example.com"\nGREETING = "hi"\n`;
const TOML_JS = TOML.replace('src/index.ts', 'src/index.js');

const codes = (files: WorkerFiles, file?: string) => diagnoseWorker(files, file).map((d) => d.code);
const unknown = (files: WorkerFiles, file?: string) => diagnoseWorker(files, file).filter((d) => d.code === 'unknown-binding');

describe('unknown-binding', () => {
  it('flags env.X of the fetch handler (JS, untyped) with the closest name, and its fix renames it', () => {
    const files = { 'wrangler.toml': TOML_JS, 'src/index.js': `export default {\n  async fetch(request, env) {\n    return fetch('https://' + env.API_HOTS);\n  },\n};\n` };
    const [d, ...rest] = unknown(files, 'src/index.js');
    assert.equal(rest.length, 0);
    assert.equal(d!.severity, 'error');
    assert.deepEqual(d!.start, { line: 2, character: 34 });
    assert.equal(
      d!.message,
      'env.API_HOTS is not declared in wrangler.toml (no binding, var or secret is named API_HOTS); did you mean API_HOST? In production env.API_HOTS is undefined, so the request fails where it is used.',
    );
    assert.equal(d!.fixes?.length, 1);
    assert.equal(d!.fixes![0]!.title, 'Change API_HOTS to API_HOST (declared in wrangler.toml)');
    const fixed = applyFix(files, d!.fixes![0]!);
    assert.match(fixed['src/index.js']!, /env\.API_HOST\)/);
    assert.deepEqual(codes(fixed, 'src/index.js'), []);
  });

  it('replaces TypeScript\'s "does not exist on type Env" with one unknown-binding error', () => {
    const files = { 'wrangler.toml': TOML, 'src/index.ts': `export default {\n  async fetch(request: Request, env: Env): Promise<Response> {\n    return new Response(env.GRETING);\n  },\n};\n` };
    assert.deepEqual(codes(files), ['unknown-binding']);
    const [d] = unknown(files);
    assert.match(d!.message, /did you mean GREETING\?/);
  });

  it('follows env typed as Env into helpers, and Hono-style c.env', () => {
    const text = `function greet(env: Env) {\n  return env.MISSING_ONE;\n}\nexport default { fetch: (_r: Request, env: Env) => new Response(greet(env)) };\n`;
    const [d] = unknown({ 'wrangler.toml': TOML, 'src/index.ts': text });
    assert.match(d!.message, /^env\.MISSING_ONE is not declared in wrangler\.toml \(no binding, var or secret is named MISSING_ONE\)\. In production/);
    assert.equal(d!.fixes, undefined, 'no name is close enough to fix');

    const hono = `interface Ctx { env: Env }\nexport function handler(c: Ctx) {\n  return c.env.API_HOTS;\n}\nexport default { fetch: () => new Response('') };\n`;
    assert.deepEqual(unknown({ 'wrangler.toml': TOML, 'src/index.ts': hono }).map((d) => d.message.split(' ')[0]), ['c.env.API_HOTS']);
  });

  it('flags destructuring from env, and the fix keeps the local name', () => {
    const files = { 'wrangler.toml': TOML_JS, 'src/index.js': `export default {\n  fetch(request, env) {\n    const { API_HOTS, GREETING } = env;\n    return new Response(GREETING + API_HOTS);\n  },\n};\n` };
    const [d] = unknown(files, 'src/index.js');
    const fixed = applyFix(files, d!.fixes![0]!);
    assert.match(fixed['src/index.js']!, /const \{ API_HOST: API_HOTS, GREETING \} = env;/);
    assert.deepEqual(codes(fixed, 'src/index.js'), []);
    const namedHandler = { 'wrangler.toml': TOML_JS, 'src/index.js': `async function handle(request, env) {\n  return new Response(env.GRETING);\n}\nexport default { fetch: handle };\n` };
    assert.deepEqual(unknown(namedHandler, 'src/index.js').map((d) => d.message.split(' ')[0]), ['env.GRETING']);
    const destructuredParameter = { 'wrangler.toml': TOML_JS, 'src/index.js': `export default {\n  fetch(request, { GRETING }) {\n    return new Response(GRETING);\n  },\n};\n` };
    assert.deepEqual(unknown(destructuredParameter, 'src/index.js').map((d) => d.message.split(' ')[0]), ['env.GRETING']);
  });

  it('does not flag declared names, guarded reads or Object members', () => {
    const text = [
      'export default {',
      '  async fetch(request, env) {',
      '    const host = env.API_HOST;',
      "    const optional = env.FEATURE_FLAG ?? 'off';",
      '    if (env.OTHER_FLAG) console.log(typeof env.THIRD);',
      '    const maybe = env.MAYBE?.toString();',
      "    const { FALLBACK = 'x' } = env;",
      "    if ('FOURTH' in env) console.log(env.hasOwnProperty('FIFTH'));",
      '    return new Response(host + optional + maybe + FALLBACK + env.toString());',
      '  },',
      '};',
      '',
    ].join('\n');
    assert.deepEqual(codes({ 'wrangler.toml': TOML_JS, 'src/index.js': text }, 'src/index.js'), []);
  });

  it('does not flag members the user declared on Env themselves (a secret set with wrangler secret put)', () => {
    const text = [
      'declare global {',
      '  interface Env { API_TOKEN: string }',
      '}',
      'export default {',
      '  async fetch(request: Request, env: Env): Promise<Response> {',
      '    return new Response(env.API_HOST + env.API_TOKEN);',
      '  },',
      '};',
      '',
    ].join('\n');
    assert.deepEqual(codes({ 'wrangler.toml': TOML, 'src/index.ts': text }), []);
  });

  it('says nothing without a config: there is nothing to compare with', () => {
    assert.deepEqual(codes({ 'src/index.js': `export default { fetch(request, env) { return new Response(env.WHATEVER); } };\n` }, 'src/index.js'), []);
  });

  it('reads bindings from wrangler.json too', () => {
    const json = `{\n  "name": "w",\n  "main": "src/index.js",\n  "vars": { "API_HOST": "example.com" }\n}\n`;
    const files = { 'wrangler.json': json, 'src/index.js': `export default { fetch(request, env) { return new Response(env.API_HOST + env.APIHOST); } };\n` };
    const [d, ...rest] = unknown(files, 'src/index.js');
    assert.equal(rest.length, 0);
    assert.match(d!.message, /^env\.APIHOST is not declared in wrangler\.json .*did you mean API_HOST\?/);
  });

  it('service-worker script: an undeclared global used like a binding, not other undeclared names or typeof checks', () => {
    const text = [
      "addEventListener('fetch', (event) => {",
      '  event.respondWith(handle(event.request));',
      '});',
      'async function handle(request) {',
      "  if (typeof OPTIONAL_KV !== 'undefined') console.log('kv');",
      '  return new Response(API_HOTS + GREETING + lowercaseThing);',
      '}',
      '',
    ].join('\n');
    const files = { 'wrangler.toml': TOML_JS, 'src/index.js': text };
    const found = unknown(files, 'src/index.js');
    assert.deepEqual(found.map((d) => d.message.split(' ')[0]), ['API_HOTS']);
    assert.match(found[0]!.message, /did you mean API_HOST\? In production the global API_HOTS does not exist, so reading it throws a ReferenceError/);
    const fixed = applyFix(files, found[0]!.fixes![0]!);
    assert.deepEqual(unknown(fixed, 'src/index.js'), []);
  });

  it('is silenced by // worker-studio-ignore-next-line unknown-binding, TypeScript\'s restatement too', () => {
    const text = `export default {\n  fetch(request: Request, env: Env) {\n    // worker-studio-ignore-next-line unknown-binding\n    return new Response(env.GRETING);\n  },\n};\n`;
    assert.deepEqual(codes({ 'wrangler.toml': TOML, 'src/index.ts': text }), []);
  });
});
