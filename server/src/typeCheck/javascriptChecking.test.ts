// JavaScript workers: the lint rules always, type errors only when `// @ts-check` or `checkJs` asks for them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseWorker, type WorkerFiles } from '../rules/testWorker.ts';

const config = `name = "w"\nmain = "src/index.js"\ncompatibility_date = "2026-10-01"\n\n[vars]\nGREETING = "hi"\n`;
/** A type error (`n.foo` on a number), a Workers rule finding (env.GRETING), untyped handler parameters. */
const worker = (header = '') => `${header}export default {\n  async fetch(request, env, ctx) {\n    const n = 1;\n    n.foo;\n    return new Response(env.GRETING + helper(2));\n  },\n};\nfunction helper(x) {\n  return x * 2;\n}\n`;
const codes = (files: WorkerFiles) => diagnoseWorker({ 'wrangler.toml': config, ...files }, 'src/index.js').map((d) => d.code);

describe('JavaScript checking', () => {
  it('without // @ts-check or checkJs: the Workers rules only', () => {
    assert.deepEqual(codes({ 'src/index.js': worker() }), ['unknown-binding']);
  });

  it('// @ts-check: type errors too, but no implicit-any noise for unannotated parameters', () => {
    assert.deepEqual(codes({ 'src/index.js': worker('// @ts-check\n') }), ['ts2339', 'unknown-binding']);
  });

  it('checkJs in tsconfig.json or jsconfig.json turns type errors on; // @ts-nocheck turns them off again', () => {
    // strict: false, to see checkJs alone (TypeScript 6 is strict by default, and so are we then, as the user's tsc is).
    const tsconfig = JSON.stringify({ compilerOptions: { checkJs: true, allowJs: true, strict: false } });
    assert.deepEqual(codes({ 'tsconfig.json': tsconfig, 'src/index.js': worker() }), ['ts2339', 'unknown-binding']);
    assert.deepEqual(codes({ 'jsconfig.json': JSON.stringify({ compilerOptions: { checkJs: true, strict: false } }), 'src/index.js': worker() }), ['ts2339', 'unknown-binding']);
    assert.deepEqual(codes({ 'jsconfig.json': JSON.stringify({ compilerOptions: { target: 'es2022' } }), 'src/index.js': worker() }), ['unknown-binding']);
    assert.deepEqual(codes({ 'tsconfig.json': tsconfig, 'src/index.js': worker('// @ts-nocheck\n') }), ['unknown-binding']);
    const strictByDefault = JSON.stringify({ compilerOptions: { checkJs: true } });
    assert.deepEqual(codes({ 'jsconfig.json': strictByDefault, 'src/index.js': worker() }).filter((c) => c === 'ts7006').length, 4, 'as tsc 6 reports them');
  });
});
