// The language server over the real protocol (stdio), as an editor drives it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, fixture, positionOf } from './helpers.ts';
import { LspTestClient } from './lspClient.ts';

describe('language server (stdio)', { timeout: 30_000 }, () => {
  let client: LspTestClient;

  before(async () => {
    ensureBuilt();
    client = new LspTestClient();
    const result = await client.initialize(path.join(fixture('bad-handler'), '..'));
    assert.equal(typeof result.capabilities.textDocumentSync, 'object');
  });

  after(() => client.kill());

  it('publishes handler-type on `fetch`, then clears it when the document is fixed', async (t) => {
    const file = path.join(fixture('bad-handler'), 'src', 'index.ts');
    const uri = pathToFileURL(file).href;
    const text = readFileSync(file, 'utf8');
    const started = performance.now();
    await client.open(uri, text);
    const published = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'handler-type'));
    t.diagnostic(`first diagnostics after ${Math.round(performance.now() - started)} ms`);

    assert.equal(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
    const [diagnostic] = published.diagnostics;
    const fetchAt = positionOf(text, 'fetch(');
    assert.deepEqual(diagnostic!.range, { start: fetchAt, end: { line: fetchAt.line, character: fetchAt.character + 'fetch'.length } });
    assert.equal(diagnostic!.source, 'worker-studio');
    assert.equal(diagnostic!.severity, 1);
    assert.equal(typeof diagnostic!.message, 'string');
    assert.match(diagnostic!.message as string, /^fetch handler must return Response \| Promise<Response>, but returns Promise<string>\./);

    // Incremental edit: wrap the returned string in a Response.
    const returned = text.slice(text.indexOf('return ') + 'return '.length, text.indexOf(';', text.indexOf('return ')));
    const start = positionOf(text, returned);
    const end = { line: start.line, character: start.character + returned.length };
    await client.change(uri, 2, [{ range: { start, end }, text: `new Response(${returned})` }]);
    const fixed = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(fixed.diagnostics, []);
  });

  it('reports a plain TypeScript error as ts2322 and clears diagnostics on close', async () => {
    const file = path.join(fixture('server-ts-error'), 'src', 'greeting.ts');
    const uri = pathToFileURL(file).href;
    const text = readFileSync(file, 'utf8');
    await client.open(uri, text);
    const published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start]),
      [['ts2322', positionOf(text, 'count')]],
    );
    await client.close(uri);
    await client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  });

  it('exits with 0 after shutdown and exit', async () => {
    assert.equal(await client.shutdown(), 0, client.stderr.join(''));
  });
});

describe('language server as the main module over --node-ipc (the VS Code client)', { timeout: 30_000 }, () => {
  let client: LspTestClient;

  before(() => {
    ensureBuilt();
    client = new LspTestClient('ipc');
  });

  after(() => client.kill());

  it('starts by itself, publishes diagnostics and exits with 0', async () => {
    await client.initialize(fixture('bad-handler'));
    const file = path.join(fixture('bad-handler'), 'src', 'index.ts');
    const uri = pathToFileURL(file).href;
    await client.open(uri, readFileSync(file, 'utf8'));
    const published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(published.diagnostics.map((d) => d.code), ['handler-type']);
    assert.equal(await client.shutdown(), 0, client.stderr.join(''));
  });
});
