// Unit tests of node-builtin-without-compat: the flag resolution as workerd does it, and the fix that edits the config.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeCompatibility } from './nodeCompatibility.ts';
import { applyFix, diagnoseWorker, type WorkerFiles } from './testWorker.ts';

const toml = (date: string, extra = '') => `name = "w"\nmain = "src/index.ts"\ncompatibility_date = "${date}"\n${extra}`;
const WORKER = `import { Buffer } from 'node:buffer';\nexport default {\n  fetch: () => new Response(Buffer.from('hi').toString('base64')),\n};\n`;
const rule = (files: WorkerFiles, file?: string) => diagnoseWorker(files, file).filter((d) => d.code === 'node-builtin-without-compat');

describe('nodeCompatibility (workerd: compatibility-date.capnp)', () => {
  it('resolves nodejs_compat, its v2 and the default-on date', () => {
    assert.deepEqual(nodeCompatibility('2024-01-01', []), { prefixed: false, unprefixed: false, asyncHooks: false, optedOut: false });
    assert.deepEqual(nodeCompatibility('2024-01-01', ['nodejs_compat']), { prefixed: true, unprefixed: false, asyncHooks: true, optedOut: false });
    assert.deepEqual(nodeCompatibility('2024-09-23', ['nodejs_compat']), { prefixed: true, unprefixed: true, asyncHooks: true, optedOut: false });
    assert.deepEqual(nodeCompatibility('2024-01-01', ['nodejs_compat_v2']), { prefixed: true, unprefixed: true, asyncHooks: true, optedOut: false });
    assert.deepEqual(nodeCompatibility('2024-01-01', ['nodejs_als']), { prefixed: false, unprefixed: false, asyncHooks: true, optedOut: false });
    assert.equal(nodeCompatibility('2026-08-04', []).prefixed, true);
    // Turning it off on a new date takes both flags, since v2 implies nodejs_compat.
    assert.equal(nodeCompatibility('2026-08-04', ['no_nodejs_compat']).prefixed, true);
    assert.equal(nodeCompatibility('2026-08-04', ['no_nodejs_compat', 'no_nodejs_compat_v2']).prefixed, false);
  });
});

describe('node-builtin-without-compat', () => {
  it('flags node:buffer without nodejs_compat, on the specifier; the fix adds the flag to wrangler.toml', () => {
    const files = { 'wrangler.toml': toml('2024-10-01'), 'src/index.ts': WORKER };
    const [d, ...rest] = rule(files);
    assert.equal(rest.length, 0);
    assert.equal(d!.severity, 'error');
    assert.deepEqual([d!.start, d!.end], [{ line: 0, character: 23 }, { line: 0, character: 36 }]);
    assert.equal(
      d!.message,
      'node:buffer is a Node.js built-in module, and wrangler.toml does not enable Node.js compatibility (no nodejs_compat in compatibility_flags, compatibility_date before 2026-08-04). In production the import does not resolve: wrangler cannot bundle the worker, so it cannot be deployed.',
    );
    const [fix] = d!.fixes!;
    assert.equal(fix!.title, 'Add nodejs_compat to compatibility_flags in wrangler.toml');
    assert.deepEqual(fix!.edits.map((e) => e.file), ['wrangler.toml']);
    const fixed = applyFix(files, fix!);
    assert.equal(fixed['wrangler.toml'], toml('2024-10-01', 'compatibility_flags = ["nodejs_compat"]\n'));
    assert.deepEqual(rule(fixed), []);
  });

  it('covers require(), import(), export … from and wrangler.jsonc; not import type', () => {
    const jsonc = `{\n  // the worker\n  "name": "w",\n  "main": "src/index.js",\n  "compatibility_date": "2024-10-01",\n  "compatibility_flags": []\n}\n`;
    const js = `const fs = require('node:fs');\nexport { EventEmitter } from 'node:events';\nexport default { async fetch() { await import('node:crypto'); return new Response(String(fs)); } };\n`;
    const files = { 'wrangler.jsonc': jsonc, 'src/index.js': js };
    const found = rule(files, 'src/index.js');
    assert.deepEqual(found.map((d) => d.message.split(' ')[0]), ["node:fs", 'node:events', 'node:crypto']);
    const fixed = applyFix(files, found[0]!.fixes![0]!);
    assert.match(fixed['wrangler.jsonc']!, /"compatibility_flags": \["nodejs_compat"\]/);
    assert.match(fixed['wrangler.jsonc']!, /\/\/ the worker/);
    assert.deepEqual(rule(fixed, 'src/index.js'), []);

    const typeOnly = `import type { Buffer } from 'node:buffer';\nexport default { fetch: () => new Response('') } satisfies ExportedHandler<{ b?: Buffer }>;\n`;
    assert.deepEqual(rule({ 'wrangler.toml': toml('2024-10-01'), 'src/index.ts': typeOnly }), []);
  });

  it('accepts nodejs_compat, nodejs_compat_v2, a date from 2026-08-04, no date at all, and nodejs_als for node:async_hooks', () => {
    assert.deepEqual(rule({ 'wrangler.toml': toml('2024-10-01', 'compatibility_flags = ["nodejs_compat"]\n'), 'src/index.ts': WORKER }), []);
    assert.deepEqual(rule({ 'wrangler.toml': toml('2024-01-01', 'compatibility_flags = ["nodejs_compat_v2"]\n'), 'src/index.ts': WORKER }), []);
    assert.deepEqual(rule({ 'wrangler.toml': toml('2026-10-01'), 'src/index.ts': WORKER }), []);
    assert.deepEqual(rule({ 'wrangler.toml': `name = "w"\nmain = "src/index.ts"\n`, 'src/index.ts': WORKER }), []);
    const als = `import { AsyncLocalStorage } from 'node:async_hooks';\nexport default { fetch: () => new Response(String(AsyncLocalStorage)) };\n`;
    assert.deepEqual(rule({ 'wrangler.toml': toml('2024-10-01', 'compatibility_flags = ["nodejs_als"]\n'), 'src/index.ts': als }), []);
    const [d] = rule({ 'wrangler.toml': toml('2024-10-01'), 'src/index.ts': als });
    assert.match(d!.message, /\(no nodejs_compat or nodejs_als in compatibility_flags/);
  });

  it('unprefixed built-ins need v2 behaviour: nodejs_compat_v2 added before 2024-09-23; an installed package or an alias of that name is fine', () => {
    const worker = `import { Buffer } from 'buffer';\nexport default { fetch: () => new Response(String(Buffer)) };\n`;
    const files = { 'wrangler.toml': toml('2024-01-01', 'compatibility_flags = ["nodejs_compat"]\n'), 'src/index.ts': worker };
    const [d] = rule(files);
    assert.match(d!.message, /^buffer is a Node\.js built-in imported without the node: prefix, which needs nodejs_compat_v2/);
    assert.equal(d!.fixes![0]!.title, 'Add nodejs_compat_v2 to compatibility_flags in wrangler.toml');
    assert.deepEqual(rule(applyFix(files, d!.fixes![0]!)), []);

    assert.deepEqual(rule({ ...files, 'node_modules/buffer/package.json': '{"name":"buffer"}' }), []);
    assert.deepEqual(rule({ ...files, 'wrangler.toml': toml('2024-01-01', '[alias]\nbuffer = "./src/buffer-shim.ts"\n') }), []);
    assert.deepEqual(rule({ 'wrangler.toml': toml('2024-10-01', 'compatibility_flags = ["nodejs_compat"]\n'), 'src/index.ts': worker }), []);
  });

  it('no fix when the config turns Node.js compatibility off on purpose', () => {
    const [d] = rule({ 'wrangler.toml': toml('2026-10-01', 'compatibility_flags = ["no_nodejs_compat", "no_nodejs_compat_v2"]\n'), 'src/index.ts': WORKER });
    assert.match(d!.message, /turns Node\.js compatibility off \(no_nodejs_compat\)/);
    assert.equal(d!.fixes, undefined);
  });
});
