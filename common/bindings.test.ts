// Unit tests of readBindings / configBindings on in-memory configs (no disk): every kind, environments, secrets, places.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bindingProblems, configBindings, readBindings, type BindingDeclaration } from './bindings.ts';
import { readConfig, UnknownEnvironmentError, type WorkerProject } from './workerProject.ts';

const root = path.resolve('/virtual/worker');

/** A project whose files exist only in `files` (relative names). */
function project(configName: string, files: Record<string, string>, environment?: string): { project: WorkerProject; readText: (file: string) => string | undefined } {
  const readText = (file: string) => files[path.relative(root, file)];
  const configPath = path.join(root, configName);
  const config = readConfig(configPath, { readText, ...(environment !== undefined ? { environment } : {}) });
  return { project: { root, entry: path.join(root, 'src/index.ts'), configPath, config, ...(environment !== undefined ? { environment } : {}) }, readText };
}

const summary = (bindings: BindingDeclaration[]) => bindings.map((b) => `${b.name} ${b.kind} ${b.type} ${path.basename(b.file)}:${b.line}:${b.column}-${b.endLine}:${b.endColumn}`);

/** `file:line:col-line:col` of `name` inside the first occurrence of `needle` in `text`. */
function place(file: string, text: string, needle: string, name: string): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const start = offset + needle.indexOf(name);
  const lineCol = (o: number) => `${text.slice(0, o).split('\n').length}:${o - text.lastIndexOf('\n', o - 1)}`;
  return `${file}:${lineCol(start)}-${lineCol(start + name.length)}`;
}

const TOML = `name = "w"
main = "src/index.ts"
ai = { binding = "AI" }
browser = { binding = "BROWSER" }

[vars]
TEXT = "hello"
NUMBER = 3
JSON = { a = [1, "two"], b = true }

[[kv_namespaces]]
binding = "KV"
id = "k"

[[d1_databases]]
binding = "DB"

[[r2_buckets]]
binding = "R2"

[[services]]
binding = "SVC"
service = "other"

[durable_objects]
bindings = [{ name = "DO", class_name = "Room" }, { name = "EXT", class_name = "Chat", script_name = "chat" }]

[[queues.producers]]
binding = "Q"
queue = "q"

[[queues.consumers]]
queue = "q"

[[analytics_engine_datasets]]
binding = "AE"

[[hyperdrive]]
binding = "HD"
id = "h"

[[vectorize]]
binding = "VEC"
index_name = "i"

[assets]
binding = "ASSETS"
directory = "public"

[version_metadata]
binding = "META"

[[dispatch_namespaces]]
binding = "DISPATCH"
namespace = "n"

[[mtls_certificates]]
binding = "MTLS"
certificate_id = "c"

[[workflows]]
binding = "FLOW"
name = "flow"
class_name = "Flow"

[[send_email]]
name = "EMAIL"

[[ratelimits]]
name = "RL"
namespace_id = "1"
simple = { limit = 1, period = 10 }

[[secrets_store_secrets]]
binding = "STORE"
store_id = "s"
secret_name = "n"

[images]
binding = "IMAGES"

[[worker_loaders]]
binding = "LOADER"

[text_blobs]
TEMPLATE = "template.html"

[env.staging]
name = "w-staging-custom"
vars = { TEXT = "staging" }
kv_namespaces = [{ binding = "STAGING_KV", id = "s" }]

[env.bare]
`;

describe('readBindings', () => {
  it('reads every kind, typed as wrangler types does, at the line and column of its name', () => {
    const { project: p, readText } = project('wrangler.toml', { 'wrangler.toml': TOML });
    const at = (needle: string, name: string) => place('wrangler.toml', TOML, needle, name);
    assert.deepEqual(summary(readBindings(p, { readText })), [
      `TEXT var "hello" ${at('TEXT = ', 'TEXT')}`,
      `NUMBER var 3 ${at('NUMBER = ', 'NUMBER')}`,
      `JSON var {"a":[1,"two"],"b":true} ${at('JSON = ', 'JSON')}`,
      `KV kv KVNamespace ${at('binding = "KV"', 'KV')}`,
      `DO durableObject DurableObjectNamespace ${at('name = "DO"', 'DO')}`,
      `EXT durableObject DurableObjectNamespace ${at('name = "EXT"', 'EXT')}`,
      `R2 r2 R2Bucket ${at('binding = "R2"', 'R2')}`,
      `DB d1 D1Database ${at('binding = "DB"', 'DB')}`,
      `SVC service Fetcher ${at('binding = "SVC"', 'SVC')}`,
      `AE analyticsEngine AnalyticsEngineDataset ${at('binding = "AE"', 'AE')}`,
      `DISPATCH dispatchNamespace DispatchNamespace ${at('binding = "DISPATCH"', 'DISPATCH')}`,
      `Q queue Queue ${at('binding = "Q"', 'Q')}`,
      `EMAIL sendEmail SendEmail ${at('name = "EMAIL"', 'EMAIL')}`,
      `VEC vectorize VectorizeIndex ${at('binding = "VEC"', 'VEC')}`,
      `HD hyperdrive Hyperdrive ${at('binding = "HD"', 'HD')}`,
      `MTLS mtlsCertificate Fetcher ${at('binding = "MTLS"', 'MTLS')}`,
      `FLOW workflow Workflow ${at('binding = "FLOW"', 'FLOW')}`,
      `RL rateLimit RateLimit ${at('name = "RL"', 'RL')}`,
      `STORE secretsStoreSecret SecretsStoreSecret ${at('binding = "STORE"', 'STORE')}`,
      `LOADER workerLoader WorkerLoader ${at('binding = "LOADER"', 'LOADER')}`,
      `BROWSER browser Fetcher ${at('binding = "BROWSER"', 'BROWSER')}`,
      `AI ai Ai ${at('binding = "AI"', 'AI')}`,
      `IMAGES images ImagesBinding ${at('binding = "IMAGES"', 'IMAGES')}`,
      `META version WorkerVersionMetadata ${at('binding = "META"', 'META')}`,
      `ASSETS assets Fetcher ${at('binding = "ASSETS"', 'ASSETS')}`,
      `TEMPLATE textBlob string ${at('TEMPLATE = ', 'TEMPLATE')}`,
    ]);
    // Spot-check the helper against hand-counted places: line 12 is `binding = "KV"`, the name at column 12.
    assert.equal(at('binding = "KV"', 'KV'), 'wrangler.toml:12:12-12:14');
    const [text, , json] = readBindings(p, { readText });
    assert.equal(text!.value, 'hello');
    assert.equal(JSON.stringify(json!.value), '{"a":[1,"two"],"b":true}');
    const external = readBindings(p, { readText }).find((b) => b.name === 'EXT')!;
    assert.deepEqual([external.className, external.scriptName, external.settings.script_name], ['Chat', 'chat', 'chat']);
  });

  it('an environment has only its own vars and bindings; assets (inheritable) and top-level-only blobs come along', () => {
    const { project: p, readText } = project('wrangler.toml', { 'wrangler.toml': TOML }, 'staging');
    assert.equal(p.config!.name, 'w-staging-custom');
    assert.equal(p.config!.main, 'src/index.ts', 'main is inherited');
    const bindings = readBindings(p, { readText });
    assert.deepEqual(
      bindings.map((b) => [b.name, b.value ?? null, b.environment ?? null]),
      [
        ['TEXT', 'staging', 'staging'],
        ['STAGING_KV', null, 'staging'],
        ['ASSETS', null, null],
        ['TEMPLATE', null, null],
      ],
    );
    assert.equal(bindings[0]!.line, TOML.split('\n').indexOf('vars = { TEXT = "staging" }') + 1);
    assert.equal(readConfig(path.join(root, 'wrangler.toml'), { text: TOML, environment: 'bare' }).name, 'w-bare', 'an unnamed environment deploys as <name>-<env>');
  });

  it('throws UnknownEnvironmentError for an environment the config does not declare', () => {
    assert.throws(() => project('wrangler.toml', { 'wrangler.toml': TOML }, 'production'), (err: Error) => err instanceof UnknownEnvironmentError && /no environment "production" \(declared: staging, bare\)/.test(err.message));
  });

  it('secrets from .dev.vars (at their line), replacing a var of the same name; .dev.vars.<env> instead for an environment', () => {
    const files = { 'wrangler.toml': 'main = "src/index.ts"\n[vars]\nTOKEN = "public"\nPLAIN = "x"\n[env.staging]\n', '.dev.vars': '# local\nTOKEN=dev\nexport OTHER = "o"\n', '.dev.vars.staging': 'STAGING_ONLY=1\n' };
    const { project: p, readText } = project('wrangler.toml', files);
    assert.deepEqual(summary(readBindings(p, { readText })), ['PLAIN var "x" wrangler.toml:4:1-4:6', 'TOKEN secret string .dev.vars:2:1-2:6', 'OTHER secret string .dev.vars:3:8-3:13']);
    assert.equal(readBindings(p, { readText }).find((b) => b.name === 'TOKEN')!.value, 'dev');
    const staging = project('wrangler.toml', files, 'staging');
    assert.deepEqual(summary(readBindings(staging.project, { readText: staging.readText })), ['STAGING_ONLY secret string .dev.vars.staging:1:1-1:13']);
  });

  it('without .dev.vars, the .env files merged (most specific wins); secrets.required limits and declares the names', () => {
    const files = {
      'wrangler.jsonc': '{\n  "main": "src/index.ts",\n  // only these reach the worker\n  "secrets": { "required": ["A", "B", "MISSING"] }\n}\n',
      '.env': 'A=base\nB=base\nNOT_REQUIRED=1\n',
      '.env.local': 'B=local\n',
    };
    const { project: p, readText } = project('wrangler.jsonc', files);
    assert.deepEqual(
      readBindings(p, { readText }).map((b) => [b.name, b.value ?? null, `${path.basename(b.file)}:${b.line}:${b.column}`]),
      [
        ['A', 'base', '.env:1:1'],
        ['B', 'local', '.env.local:1:1'],
        ['MISSING', null, place('wrangler.jsonc', files['wrangler.jsonc'], '"MISSING"', 'MISSING').split('-')[0]],
      ],
    );
  });

  it('JSONC: places from the syntax tree, comments and trailing commas allowed', () => {
    const jsonc = `{
  "main": "src/index.ts", // entry
  "vars": { "GREETING": "hi", },
  "kv_namespaces": [
    { "binding": "KV", "id": "k" },
  ],
  "durable_objects": { "bindings": [{ "name": "DO", "class_name": "Room" }] },
}
`;
    const { project: p, readText } = project('wrangler.jsonc', { 'wrangler.jsonc': jsonc });
    assert.deepEqual(summary(readBindings(p, { readText })), [
      'GREETING var "hi" wrangler.jsonc:3:14-3:22',
      'KV kv KVNamespace wrangler.jsonc:5:19-5:21',
      `DO durableObject DurableObjectNamespace ${place('wrangler.jsonc', jsonc, '"name": "DO"', 'DO')}`,
    ]);
  });

  it('configBindings keeps duplicates (for config diagnostics); readBindings keeps the first', () => {
    const text = 'main = "src/index.ts"\n[vars]\nDATA = "x"\n[[kv_namespaces]]\nbinding = "DATA"\n';
    const { project: p, readText } = project('wrangler.toml', { 'wrangler.toml': text });
    assert.deepEqual(configBindings(p.configPath!, p.config!).map((b) => `${b.name}:${b.kind}:${b.line}`), ['DATA:var:3', 'DATA:kv:5']);
    assert.deepEqual(readBindings(p, { readText }).map((b) => `${b.name}:${b.kind}`), ['DATA:var']);
  });

  it('nothing without a config', () => {
    assert.deepEqual(readBindings({ root, entry: path.join(root, 'index.ts') }), []);
  });
});

describe('bindingProblems', () => {
  it('names each declaration the runtime cannot use, at its line, with the key path', () => {
    const text = 'name = "w"\nmain = "i.js"\n\n[[kv_namespaces]]\nid = "abc"\n\n[[d1_databases]]\nbinding = "DB"\n\n[[services]]\nbinding = "API"\n\n[env.staging]\nr2_buckets = "nope"\n';
    const config = readConfig('/p/wrangler.toml', { text });
    assert.deepEqual(
      bindingProblems('/p/wrangler.toml', config).map((p) => `${p.line}:${p.column} ${p.key} ${p.message}`),
      ['4:1 kv_namespaces[0] needs `binding`: the name the worker sees on env', '7:1 d1_databases[0] needs `database_id` or `database_name`', '10:1 services[0] needs `service`'],
    );
    assert.deepEqual(
      bindingProblems('/p/wrangler.toml', config, 'staging').map((p) => `${p.line} ${p.key} ${p.message}`),
      ['14 env.staging.r2_buckets must be an array of tables ([[r2_buckets]] in TOML)'],
    );
  });

  it('finds nothing in a well-formed config', () => {
    const text = 'name = "w"\nmain = "i.js"\n[[kv_namespaces]]\nbinding = "KV"\nid = "x"\n[[durable_objects.bindings]]\nname = "C"\nclass_name = "C"\n';
    assert.deepEqual(bindingProblems('/p/wrangler.toml', readConfig('/p/wrangler.toml', { text })), []);
  });
});
