// Unit tests of finding the binding at a place in the source, on in-memory projects: the shapes `env` takes in real
// workers (typed or not), service-worker globals, destructuring; and hover/completion/definition built on it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver';
import { readConfig } from '../../../common/workerProject.ts';
import { sourceTreeAssets } from '../typeCheck/assets.ts';
import { TypeCheckProject } from '../typeCheck/project.ts';
import { bindingAtPosition } from './bindingAtPosition.ts';
import { envCompletions } from './completion.ts';
import { bindingDefinition } from './definition.ts';
import { bindingHover } from './hover.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = path.join(repoRoot, '.test-work', 'virtual-bindings');
const CONFIG = 'name = "w"\nmain = "src/index.ts"\n\n[[kv_namespaces]]\nbinding = "MY_KV"\nid = "k"\n\n[vars]\nMODE = "dev"\n';

function projectWith(entryName: string, source: string): { project: TypeCheckProject; file: string } {
  const file = path.join(root, entryName);
  const configPath = path.join(root, 'wrangler.toml');
  const docs = new Map([[file, { text: source, version: 1 }]]);
  const config = readConfig(configPath, { text: CONFIG });
  const project = new TypeCheckProject({
    root,
    entry: file,
    workerProject: { root, entry: file, configPath, config },
    assets: sourceTreeAssets(repoRoot),
    documents: { get: (f) => docs.get(f) },
    readText: () => undefined,
  });
  return { project, file };
}

/** Offset just inside the `nth` occurrence of `needle`, `index` characters in. */
function offsetIn(text: string, needle: string, index = 1, nth = 0): number {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, needle);
  return offset + index;
}

describe('bindingAtPosition', () => {
  it('TypeScript: env.X, c.env.X, this.env.X and destructuring, through the checker', () => {
    const source = `import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject<Env> { read() { return this.env.MY_KV.get('k'); } }
export default {
  async fetch(_request, env) {
    const { MY_KV: kv } = env;
    const c = { env };
    await c.env.MY_KV.get('a');
    return new Response(env.MODE + String(await kv.get('b')));
  },
} satisfies ExportedHandler<Env>;
`;
    const { project, file } = projectWith('src/index.ts', source);
    for (const [needle, nth] of [['MY_KV.get', 0], ['MY_KV: kv', 0], ['MY_KV.get', 1]] as const) {
      const reference = bindingAtPosition(project, file, offsetIn(source, needle, 1, nth));
      assert.equal(reference?.binding.name, 'MY_KV', needle);
      assert.equal(reference.typeText, 'KVNamespace<string>');
    }
    const mode = bindingAtPosition(project, file, offsetIn(source, 'MODE'))!;
    assert.deepEqual([mode.binding.kind, mode.typeText, mode.global], ['var', '"dev"', false]);
    assert.equal(bindingAtPosition(project, file, offsetIn(source, 'kv.get')), undefined, 'a local holding a binding is not the binding');
  });

  it('JavaScript: an untyped env parameter still resolves by shape', () => {
    const source = `export default {\n  async fetch(request, env) {\n    return new Response(await env.MY_KV.get(request.url));\n  },\n};\n`;
    const { project, file } = projectWith('src/index.js', source);
    const reference = bindingAtPosition(project, file, offsetIn(source, 'MY_KV'))!;
    assert.deepEqual([reference.binding.name, reference.typeText], ['MY_KV', 'KVNamespace']);
    const items = envCompletions(project, file, offsetIn(source, 'MY_KV', 0))!;
    assert.deepEqual(items.map((i) => [i.label, i.detail]).sort(), [['MODE', 'Environment variable: "dev"'], ['MY_KV', 'KV namespace: KVNamespace']]);
  });

  it('a service-worker script: the bindings are globals', () => {
    const source = `addEventListener('fetch', (event) => {\n  event.respondWith(MY_KV.get('k').then((v) => new Response(v ?? MODE)));\n});\n`;
    const { project, file } = projectWith('src/index.ts', source);
    const reference = bindingAtPosition(project, file, offsetIn(source, 'MY_KV'))!;
    assert.deepEqual([reference.binding.name, reference.global, reference.typeText], ['MY_KV', true, 'KVNamespace<string>']);
    const hover = bindingHover(project, file, offsetIn(source, 'MODE'))!;
    assert.match((hover.contents as MarkupContent).value, /\(binding\) MODE: "dev"\n```\nEnvironment variable, declared at \[wrangler\.toml:9\]/);
    const definition = bindingDefinition(project, file, offsetIn(source, 'MY_KV', 5))!;
    assert.deepEqual(definition.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 16 } });
  });

  it('an author-declared Env (module-local) still resolves env.X by shape; other members do not', () => {
    const source = `interface Env { MY_KV: KVNamespace; OTHER: string }\nexport default {\n  async fetch(_r: Request, env: Env) {\n    return new Response((await env.MY_KV.get('k')) ?? env.OTHER);\n  },\n};\n`;
    const { project, file } = projectWith('src/index.ts', source);
    assert.equal(bindingAtPosition(project, file, offsetIn(source, 'MY_KV.get'))?.binding.name, 'MY_KV');
    assert.equal(bindingAtPosition(project, file, offsetIn(source, 'OTHER)')), undefined);
  });
});
