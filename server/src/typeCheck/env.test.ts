// Unit tests of the generated Env: the virtual declarations of a real fixture type-check with every binding kind,
// Durable Object namespaces typed by the entry's class, service-worker globals, the entry's shape.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { resolveWorkerProject } from '../../../common/workerProject.ts';
import { sourceTreeAssets } from './assets.ts';
import { entryShape, envDeclaration, importSpecifier } from './env.ts';
import { TypeCheckProject } from './project.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const shape = (text: string) => entryShape(ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest));

describe('Env declarations', () => {
  it('of test/fixtures/server-env: every binding type exists in the Workers types (the virtual file has no errors)', () => {
    const workerProject = resolveWorkerProject(path.join(repoRoot, 'test/fixtures/server-env'));
    const project = new TypeCheckProject({ root: workerProject.root, entry: workerProject.entry, workerProject, assets: sourceTreeAssets(repoRoot), documents: { get: () => undefined } });
    const program = project.program();
    const envFile = program.getSourceFile(project.envFile)!;
    assert.match(envFile.text, /COUNTER: DurableObjectNamespace<import\("\.\/src\/index"\)\.Counter>;/);
    const errors = [...program.getSyntacticDiagnostics(envFile), ...program.getSemanticDiagnostics(envFile)];
    assert.deepEqual(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
    assert.equal(project.bindings()!.length, 23);
  });

  it('a service-worker entry (no exports) gets the bindings as globals as well', () => {
    const bindings = [{ name: 'KV', kind: 'kv', type: 'KVNamespace', file: 'wrangler.toml', line: 1, column: 1, endLine: 1, endColumn: 3, settings: {} }] as const;
    const text = envDeclaration([...bindings], { shape: shape(`addEventListener('fetch', () => {});\n`), specifier: './worker' });
    assert.match(text, /\ndeclare const KV: KVNamespace;\n/);
    assert.doesNotMatch(envDeclaration([...bindings], { shape: shape('export default {};\n'), specifier: './worker' }), /declare const KV/);
  });

  it('entryShape: value exports by name; type-only exports do not make a module', () => {
    assert.deepEqual(shape(`export class A {}\nexport { B, C as D };\nexport const E = 1, F = 2;\nexport default {};\nexport type T = 1;\nconst B = 1, C = 2;\n`), {
      serviceWorker: false,
      exports: new Set(['A', 'B', 'D', 'E', 'F']),
    });
    assert.equal(shape(`export interface Env {}\nexport type { X } from './x';\naddEventListener('fetch', () => {});\n`).serviceWorker, true);
  });

  it('importSpecifier writes paths as wrangler does', () => {
    assert.equal(importSpecifier('/p/worker-configuration.d.ts', '/p/src/index.ts'), './src/index');
    assert.equal(importSpecifier('/p/index.d.ts', '/p/index.ts'), './index');
    assert.equal(importSpecifier('/p/types/env.d.ts', '/p/src/index.ts'), '../src/index');
  });
});
