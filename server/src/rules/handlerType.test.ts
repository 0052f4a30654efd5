// Unit tests of the handler-type rule on in-memory sources (no disk, no LSP): `node --test server/src/**/*.test.ts`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readConfig } from '../../../common/workerProject.ts';
import { diagnoseFile, type WorkerDiagnostic } from '../diagnostics.ts';
import { sourceTreeAssets } from '../typeCheck/assets.ts';
import { TypeCheckProject } from '../typeCheck/project.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = path.join(repoRoot, '.test-work', 'virtual-worker');
const entry = path.join(root, 'src', 'index.ts');

function diagnose(files: Record<string, string>, entryName = 'src/index.ts'): WorkerDiagnostic[] {
  const docs = new Map(Object.entries(files).map(([name, text]) => [path.join(root, name), { text, version: 1 }]));
  const entryFile = path.join(root, entryName);
  const project = new TypeCheckProject({ root, entry: entryFile, assets: sourceTreeAssets(repoRoot), documents: { get: (f) => docs.get(f) } });
  return diagnoseFile(project, entryFile);
}

/** 0-based position of the first occurrence of `needle` (optionally after `after`). */
function positionOf(text: string, needle: string, after = ''): { line: number; character: number } {
  const offset = text.indexOf(needle, after ? text.indexOf(after) : 0);
  assert.ok(offset >= 0, `${needle} not in text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

describe('handler-type', () => {
  it('flags a fetch that returns a string, on the name `fetch`, without satisfies', () => {
    const text = `export default {\n  fetch(request: Request): string {\n    return 'hi ' + request.url;\n  },\n};\n`;
    const diagnostics = diagnose({ 'src/index.ts': text });
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.equal(d!.code, 'handler-type');
    assert.equal(d!.severity, 'error');
    assert.deepEqual(d!.start, positionOf(text, 'fetch'));
    assert.deepEqual(d!.end, { ...positionOf(text, 'fetch'), character: positionOf(text, 'fetch').character + 'fetch'.length });
    assert.match(d!.message, /^fetch handler must return Response \| Promise<Response>, but returns string\. Workers rejects/);
  });

  it('flags an async fetch resolving to a string', () => {
    const text = `export default {\n  async fetch() {\n    return 'hi';\n  },\n};\n`;
    const [d, ...rest] = diagnose({ 'src/index.ts': text });
    assert.equal(rest.length, 0);
    assert.equal(d!.code, 'handler-type');
    assert.match(d!.message, /but returns Promise<string>/);
  });

  it('accepts a correct fetch, with or without satisfies', () => {
    assert.deepEqual(diagnose({ 'src/index.ts': `export default {\n  fetch(): Response {\n    return new Response('ok');\n  },\n};\n` }), []);
    assert.deepEqual(
      diagnose({ 'src/index.ts': `export default {\n  async fetch(request, env, ctx) {\n    ctx.waitUntil(Promise.resolve());\n    return new Response(request.url);\n  },\n} satisfies ExportedHandler<Env>;\n` }),
      [],
    );
  });

  it('reports once (not also TS) when satisfies ExportedHandler<Env> is written', () => {
    const text = `export default {\n  async fetch(request, env, ctx) {\n    return 'nope';\n  },\n} satisfies ExportedHandler<Env>;\n`;
    const diagnostics = diagnose({ 'src/index.ts': text });
    assert.deepEqual(diagnostics.map((d) => d.code), ['handler-type'], JSON.stringify(diagnostics, null, 1));
    assert.deepEqual(diagnostics[0]!.start, positionOf(text, 'fetch'));
  });

  it('follows `export default handler` to the object', () => {
    const text = `const handler = {\n  fetch() {\n    return 42;\n  },\n};\nexport default handler;\n`;
    const [d, ...rest] = diagnose({ 'src/index.ts': text });
    assert.equal(rest.length, 0);
    assert.equal(d!.code, 'handler-type');
    assert.deepEqual(d!.start, positionOf(text, 'fetch'));
    assert.match(d!.message, /returns number/);
  });

  it('follows `export { handler as default }` with satisfies on the variable', () => {
    const text = `const handler = {\n  fetch: () => 'x',\n} satisfies ExportedHandler<Env>;\nexport { handler as default };\n`;
    const diagnostics = diagnose({ 'src/index.ts': text });
    assert.deepEqual(diagnostics.map((d) => d.code), ['handler-type']);
    assert.deepEqual(diagnostics[0]!.start, positionOf(text, 'fetch'));
  });

  it('flags scheduled with a wrong parameter type, on `scheduled`', () => {
    const text = `export default {\n  fetch: () => new Response('ok'),\n  async scheduled(controller: string) {\n    console.log(controller);\n  },\n};\n`;
    const [d, ...rest] = diagnose({ 'src/index.ts': text });
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.deepEqual(d!.start, positionOf(text, 'scheduled'));
    assert.match(d!.message, /^scheduled handler's parameter controller \(#1\) must accept ScheduledController, but is declared as string\./);
  });

  it('flags a handler that is not a function', () => {
    const text = `export default {\n  fetch: 'hello',\n};\n`;
    const [d] = diagnose({ 'src/index.ts': text });
    assert.equal(d!.code, 'handler-type');
    assert.match(d!.message, /^fetch handler must be a function \(request: Request.*, but is string\./);
  });

  it('says nothing without a default export, and reports plain TS errors as ts<code>', () => {
    assert.deepEqual(diagnose({ 'src/index.ts': `export const x = 1;\n` }), []);
    const [d] = diagnose({ 'src/index.ts': `const n: number = 'one';\nexport default { fetch: () => new Response(String(n)) };\n` });
    assert.equal(d!.code, 'ts2322');
    assert.deepEqual(d!.start, { line: 0, character: 6 });
  });

  it('declares Env vars from the config as literal types', () => {
    // The config exists only as text (readConfig's `text`), like an unsaved editor buffer.
    const docs = new Map([[entry, { text: `export default { fetch: (_r: Request, env: Env) => new Response(env.GREETING satisfies 'hi') };\n`, version: 1 }]]);
    const configPath = path.join(root, 'wrangler.toml');
    const config = readConfig(configPath, { text: 'main = "src/index.ts"\n[vars]\nGREETING = "hi"\n' });
    const project = new TypeCheckProject({
      root,
      entry,
      assets: sourceTreeAssets(repoRoot),
      documents: { get: (f) => docs.get(f) },
      workerProject: { root, entry, configPath, config },
    });
    assert.deepEqual(diagnoseFile(project, entry), []);
  });

  it('checks a .js entry too', () => {
    const text = `export default {\n  fetch() {\n    return 'text';\n  },\n};\n`;
    const [d] = diagnose({ 'src/index.js': text }, 'src/index.js');
    assert.equal(d?.code, 'handler-type');
  });
});
