// Env from the config, over the real protocol: hover, completion and go to definition on bindings, the Env type
// following config and secret edits without a restart, and diagnostics in the config itself.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CompletionItem, Diagnostic, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { ensureBuilt, fixture, positionOf } from './helpers.ts';
import { LspTestClient } from './lspClient.ts';

/** 1-based line of the first occurrence of `needle`. */
const lineOf = (text: string, needle: string) => positionOf(text, needle).line + 1;
/** The position just inside `needle` at `index` characters from its start. */
const inside = (text: string, needle: string, index: number) => {
  const at = positionOf(text, needle);
  return { line: at.line, character: at.character + index };
};
/** Whether a diagnostic names the binding (TypeScript's ts2339 or the unknown-binding rule, whichever reports it). */
const mentions = (diagnostics: Diagnostic[], name: string) => diagnostics.some((d) => new RegExp(`\\b${name}\\b`).test(messageOf(d)));
const messageOf = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

describe('Env from the config: hover, completion, definition', { timeout: 30_000 }, () => {
  let client: LspTestClient;
  const root = fixture('server-env');
  const entry = path.join(root, 'src', 'index.ts');
  const uri = pathToFileURL(entry).href;
  const text = readFileSync(entry, 'utf8');
  const config = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');

  before(async () => {
    ensureBuilt();
    client = new LspTestClient();
    const result = await client.initialize(root);
    assert.ok(result.capabilities.hoverProvider);
    assert.deepEqual(result.capabilities.completionProvider?.triggerCharacters, ['.']);
    assert.ok(result.capabilities.definitionProvider);
    await client.open(uri, text);
    // Every binding kind typed: the entry that uses them checks clean.
    const published = await client.diagnostics(uri);
    assert.deepEqual(published.diagnostics, []);
  });

  after(() => client.kill());

  it('hover on env.MY_KV: a KV namespace declared at wrangler.toml:LINE, with a link to it', async () => {
    const hover = await client.hover(uri, inside(text, 'MY_KV.get', 2));
    const value = (hover?.contents as MarkupContent).value;
    const line = lineOf(config, 'binding = "MY_KV"');
    assert.match(value, /\(binding\) env\.MY_KV: KVNamespace/);
    assert.ok(value.includes(`KV namespace, declared at [wrangler.toml:${line}](${pathToFileURL(path.join(root, 'wrangler.toml')).href}#L${line},12)`), value);
    assert.deepEqual(hover?.range, { start: positionOf(text, 'MY_KV.get'), end: inside(text, 'MY_KV.get', 5) });
  });

  it('hover on a var, a secret and a Durable Object namespace', async () => {
    const greeting = (await client.hover(uri, inside(text, 'env.GREETING', 5)))?.contents as MarkupContent;
    assert.match(greeting.value, /env\.GREETING: "hello"/);
    assert.ok(greeting.value.includes(`Environment variable, declared at [wrangler.toml:${lineOf(config, 'GREETING = ')}]`), greeting.value);

    const secret = (await client.hover(uri, inside(text, 'env.API_TOKEN', 5)))?.contents as MarkupContent;
    assert.match(secret.value, /env\.API_TOKEN: string/);
    assert.ok(secret.value.includes('Secret, declared at [.dev.vars:2]'), secret.value);
    assert.ok(!secret.value.includes('dev-token'), 'a secret value is never shown');

    const counter = (await client.hover(uri, inside(text, 'env.COUNTER.get', 5)))?.contents as MarkupContent;
    assert.match(counter.value, /env\.COUNTER: DurableObjectNamespace<Counter>/);
    assert.ok(counter.value.includes(`Durable Object namespace, declared at [wrangler.toml:${lineOf(config, 'name = "COUNTER"')}]`), counter.value);
  });

  it('completion after `env.` lists every binding with its kind and type', async () => {
    const result = await client.completion(uri, inside(text, 'env.MY_KV', 4));
    const items = (Array.isArray(result) ? result : (result?.items ?? [])) as CompletionItem[];
    const names = items.map((i) => i.label);
    for (const name of ['GREETING', 'LIMIT', 'FEATURES', 'MY_KV', 'DB', 'BUCKET', 'AUTH', 'COUNTER', 'ROOMS', 'JOBS', 'AI', 'ASSETS', 'VERSION', 'LIMITER', 'API_TOKEN']) {
      assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    }
    const kv = items.find((i) => i.label === 'MY_KV')!;
    assert.equal(kv.detail, 'KV namespace: KVNamespace');
    assert.match((kv.documentation as MarkupContent).value, new RegExp(`^Declared at \\[wrangler\\.toml:${lineOf(config, 'binding = "MY_KV"')}\\]`));
    assert.equal(items.find((i) => i.label === 'API_TOKEN')!.detail, 'Secret: string');
  });

  it('go to definition from env.DB lands on its name in wrangler.toml', async () => {
    const definition = (await client.definition(uri, inside(text, 'env.DB', 5))) as Location;
    assert.equal(definition.uri, pathToFileURL(path.join(root, 'wrangler.toml')).href);
    const name = inside(config, 'binding = "DB"', 'binding = "'.length);
    assert.deepEqual(definition.range, { start: name, end: { line: name.line, character: name.character + 2 } });

    const secret = (await client.definition(uri, inside(text, 'env.API_TOKEN', 6))) as Location;
    assert.equal(secret.uri, pathToFileURL(path.join(root, '.dev.vars')).href);
    assert.equal(secret.range.start.line, 1);
  });

  it('no hover, completion or definition away from bindings', async () => {
    assert.equal(await client.hover(uri, inside(text, 'request.url', 2)), null);
    assert.equal(await client.definition(uri, inside(text, 'greeting', 2)), null);
    assert.equal(await client.completion(uri, inside(text, 'request.url', 8)), null);
  });
});

describe('Env of a selected environment (initializationOptions.environment)', { timeout: 30_000 }, () => {
  let client: LspTestClient;
  after(() => client.kill());

  it('uses [env.staging] only: its vars, its bindings, .dev.vars.staging', async () => {
    ensureBuilt();
    client = new LspTestClient();
    const root = fixture('server-env');
    await client.initialize(root, { environment: 'staging' });
    const uri = pathToFileURL(path.join(root, 'src', 'index.ts')).href;
    const text = readFileSync(path.join(root, 'src', 'index.ts'), 'utf8');
    await client.open(uri, text);
    // MY_KV is not inherited from the top level (bindings are non-inheritable in wrangler).
    const published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.ok(mentions(published.diagnostics, 'MY_KV'), JSON.stringify(published.diagnostics.map(messageOf)));
    const greeting = (await client.hover(uri, inside(text, 'env.GREETING', 5)))?.contents as MarkupContent;
    assert.match(greeting.value, /env\.GREETING: "hello from staging"/);
    assert.match(greeting.value, /in `\[env\.staging\]`/);
    const completion = await client.completion(uri, inside(text, 'env.MY_KV', 4));
    const names = ((Array.isArray(completion) ? completion : (completion?.items ?? [])) as CompletionItem[]).map((i) => i.label).sort();
    assert.deepEqual(names, ['ASSETS', 'GREETING', 'STAGING_KV', 'STAGING_TOKEN']);
  });
});

describe('Env follows the config and the secrets live', { timeout: 30_000 }, () => {
  let client: LspTestClient;
  let root: string;

  before(async () => {
    ensureBuilt();
    root = mkdtempSync(path.join(os.tmpdir(), 'ws-env-live-'));
    cpSync(fixture('server-env-live'), root, { recursive: true });
    client = new LspTestClient();
    await client.initialize(root);
  });

  after(() => {
    client.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('an edit of the open config, a .dev.vars written on disk, a config saved on disk: diagnostics come and go', async () => {
    const entry = path.join(root, 'src', 'index.ts');
    const uri = pathToFileURL(entry).href;
    const text = readFileSync(entry, 'utf8');
    await client.open(uri, text);
    let published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.ok(mentions(published.diagnostics, 'CACHE') && mentions(published.diagnostics, 'SESSION_SECRET'), JSON.stringify(published.diagnostics));

    // The config, edited in the editor (not saved): CACHE is declared.
    const configPath = path.join(root, 'wrangler.toml');
    const configUri = pathToFileURL(configPath).href;
    const saved = readFileSync(configPath, 'utf8');
    await client.open(configUri, saved, 'toml');
    const withCache = `${saved}\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "cache-id"\n`;
    await client.change(configUri, 2, [{ text: withCache }]);
    published = await client.diagnostics(uri, (p) => !mentions(p.diagnostics, 'CACHE'));
    assert.ok(mentions(published.diagnostics, 'SESSION_SECRET'), JSON.stringify(published.diagnostics));
    const hover = (await client.hover(uri, inside(text, 'env.CACHE', 5)))?.contents as MarkupContent;
    assert.ok(hover.value.includes(`KV namespace, declared at [wrangler.toml:${lineOf(withCache, 'binding = "CACHE"')}]`), hover.value);

    // A secret written to .dev.vars on disk, reported by the file watcher.
    writeFileSync(path.join(root, '.dev.vars'), 'SESSION_SECRET="s3cr3t"\n');
    await client.changeWatchedFiles([{ uri: pathToFileURL(path.join(root, '.dev.vars')).href, type: 1 }]);
    published = await client.diagnostics(uri, (p) => p.diagnostics.length === 0);

    // The edit undone in the editor: the diagnostic is back.
    await client.change(configUri, 3, [{ text: saved }]);
    published = await client.diagnostics(uri, (p) => mentions(p.diagnostics, 'CACHE'));
    assert.ok(!mentions(published.diagnostics, 'SESSION_SECRET'));

    // The config closed, then changed on disk: the disk's text counts.
    await client.close(configUri);
    writeFileSync(configPath, withCache);
    await client.changeWatchedFiles([{ uri: configUri, type: 2 }]);
    await client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  });
});

describe('diagnostics in the config itself', { timeout: 30_000 }, () => {
  let client: LspTestClient;

  before(async () => {
    ensureBuilt();
    client = new LspTestClient();
    await client.initialize(path.join(fixture('server-env'), '..'));
  });

  after(() => client.kill());

  const codesAt = (diagnostics: Diagnostic[]) => diagnostics.map((d) => [d.code, d.range.start.line + 1, d.range.start.character + 1]);

  it('wrangler.toml: unknown key with the closest suggested, duplicate binding, missing main, top-level-only key in an env', async () => {
    const configPath = path.join(fixture('server-config-toml'), 'wrangler.toml');
    const uri = pathToFileURL(configPath).href;
    const text = readFileSync(configPath, 'utf8');
    await client.open(uri, text, 'toml');
    const published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(published.diagnostics), [
      ['config-unknown-key', lineOf(text, 'compatability_date'), 1],
      ['config-duplicate-binding', lineOf(text, 'binding = "DATA"\nbucket_name'), 12],
      ['config-missing-main', lineOf(text, 'main = "src/missing.ts"'), 8],
      ['config-unknown-key', lineOf(text, 'send_metrics'), 1],
    ]);
    const [unknown, duplicate, missing] = published.diagnostics;
    assert.match(messageOf(unknown!), /^Unknown key "compatability_date"; did you mean "compatibility_date"\?/);
    assert.equal(unknown!.severity, 2);
    assert.match(messageOf(duplicate!), new RegExp(`^DATA is declared twice: here \\(R2 bucket\\) and at wrangler\\.toml:${lineOf(text, 'binding = "DATA"')} \\(KV namespace\\)`));
    assert.equal(duplicate!.severity, 1);
    assert.match(messageOf(missing!), /^"main" points at src\/missing\.ts, which does not exist/);
    assert.deepEqual(unknown!.range.end, { line: unknown!.range.start.line, character: 'compatability_date'.length });
  });

  it('a syntax error while typing is reported at its line, and the other diagnostics return once it is fixed', async () => {
    const configPath = path.join(fixture('server-config-toml'), 'wrangler.toml');
    const uri = pathToFileURL(configPath).href;
    const text = readFileSync(configPath, 'utf8');
    const broken = text.replace('id = "kv-id"', 'id = "kv-id');
    await client.change(uri, 2, [{ text: broken }]);
    const published = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start.line + 1]),
      [['config-syntax', lineOf(broken, 'id = "kv-id')]],
    );
    await client.change(uri, 3, [{ text }]);
    const fixed = await client.diagnostics(uri, (p) => p.version === 3);
    assert.equal(fixed.diagnostics.length, 4);
  });

  it('wrangler.jsonc: lines and columns from the JSON tree, comments and trailing commas allowed', async () => {
    const configPath = path.join(fixture('server-config-jsonc'), 'wrangler.jsonc');
    const uri = pathToFileURL(configPath).href;
    const text = readFileSync(configPath, 'utf8');
    await client.open(uri, text, 'jsonc');
    const published = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(published.diagnostics), [
      ['config-missing-main', lineOf(text, '"main"'), positionOf(text, '"src/missing.ts"').character + 1],
      ['config-unknown-key', lineOf(text, '"compatibilty_flags"'), 3],
      ['config-duplicate-binding', lineOf(text, '{ "binding": "DB"'), positionOf(text, 'DB", "database_name"').character + 1],
    ]);
    assert.match(messageOf(published.diagnostics[1]!), /did you mean "compatibility_flags"\?/);
    assert.match(messageOf(published.diagnostics[2]!), new RegExp(`here \\(D1 database\\) and at wrangler\\.jsonc:${lineOf(text, '"vars"')} \\(Environment variable\\)`));
  });
});
