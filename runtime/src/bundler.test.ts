import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BuildFailure, bundleWorker } from './bundler.ts';
import { BuildStacks, firstLocation } from './stackMapper.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'ws-bundler-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(path.join(root, 'src'));
const entry = path.join(root, 'src', 'index.ts');
writeFileSync(entry, 'import { greet } from "./greet.ts";\nexport default {\n  fetch(): Response {\n    return new Response(greet("x"));\n  },\n};\n');
writeFileSync(path.join(root, 'src', 'greet.ts'), 'export function greet(name: string): string {\n  throw new Error("no " + name);\n}\n');

test('the bundle URL is file:///<root>/.worker-studio/bundle.js?v=N and its sources resolve to the real files', async () => {
  const bundle = await bundleWorker(entry, root, 7);
  assert.equal(bundle.url, `${pathToFileURL(path.join(root, '.worker-studio', 'bundle.js')).href}?v=7`);
  const map = /sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(bundle.code);
  assert.ok(map, 'inline source map');
  const payload = JSON.parse(Buffer.from(map[1]!, 'base64').toString('utf8')) as { sources: string[]; sourcesContent: string[] };
  // What a debugger does: resolve each source against the script URL.
  const resolved = payload.sources.map((s) => fileURLToPath(new URL(s, bundle.url)));
  assert.deepEqual(resolved.sort(), [path.join(root, 'src', 'greet.ts'), entry].sort());
  assert.equal(payload.sourcesContent.length, 2);
});

test('stack frames in the bundle map back to the TypeScript source', async () => {
  const bundle = await bundleWorker(entry, root, 1);
  const line = bundle.code.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;
  const column = bundle.code.split('\n')[line - 1]!.indexOf('throw') + 1;
  const stacks = new BuildStacks();
  stacks.add(bundle.code, bundle.url);
  // A later build (another URL) leaves this build's frames mapped: a request in flight may still run on it.
  const later = await bundleWorker(entry, root, 2);
  stacks.add(later.code, later.url);
  const mapped = stacks.map(`Error: no x\n    at greet (${bundle.url}:${line}:${column})\n    at run (worker-studio:prelude.js:1:1)`);
  assert.equal(mapped, `Error: no x\n    at greet (${path.join(root, 'src', 'greet.ts')}:2:3)`);
  assert.deepEqual(firstLocation(mapped), { file: path.join(root, 'src', 'greet.ts'), line: 2, column: 3 });
});

test('a syntax error is a BuildFailure at file:line:column (1-based)', async () => {
  const bad = path.join(root, 'src', 'bad.ts');
  writeFileSync(bad, 'export const x = ;\n');
  await assert.rejects(bundleWorker(bad, root, 1), (err: unknown) => {
    assert.ok(err instanceof BuildFailure);
    assert.deepEqual([err.file, err.line, err.column], [bad, 1, 18]);
    assert.equal(err.message, `${bad}:1:18: Unexpected ";"`);
    return true;
  });
});
