/**
 * The bindings a wrangler config declares — what a worker finds on `env` — with where each is declared. One module
 * for everyone who needs them: the language server (the `Env` type, `unknown-binding`, hover, go to definition, config
 * diagnostics), `worker-studio types`, and the runtime (issue 7: building `env`).
 *
 * wrangler's rules (https://developers.cloudflare.com/workers/wrangler/environments/): vars and bindings are
 * non-inheritable — with `[env.<name>]` selected, only that section's own are used, nothing from the top level — except
 * `assets`, which is inheritable; `text_blobs`/`data_blobs`/`wasm_modules` exist only at the top level. Secrets come
 * from `.dev.vars`/`.env` (common/localSecrets.ts), or are the names `secrets.required` lists when it is set; a secret
 * replaces a var of the same name. Types are the ones `wrangler types` writes.
 */
import { configLocator, unquoted, type ConfigLocator, type KeyPath, type TextSpan } from './configLocator.ts';
import { readLocalSecrets } from './localSecrets.ts';
import { environmentSections, lineColumnAt, readTextFromDisk, UnknownEnvironmentError, type ReadText, type WorkerProject, type WranglerConfig } from './workerProject.ts';

export type BindingKind =
  | 'var'
  | 'secret'
  | 'kv'
  | 'd1'
  | 'r2'
  | 'service'
  | 'durableObject'
  | 'queue'
  | 'ai'
  | 'analyticsEngine'
  | 'hyperdrive'
  | 'vectorize'
  | 'browser'
  | 'assets'
  | 'version'
  | 'dispatchNamespace'
  | 'mtlsCertificate'
  | 'workflow'
  | 'sendEmail'
  | 'rateLimit'
  | 'secretsStoreSecret'
  | 'images'
  | 'media'
  | 'workerLoader'
  | 'textBlob'
  | 'dataBlob'
  | 'wasmModule';

/** What each kind is called in messages and hovers. */
export const BINDING_KIND_LABELS: Readonly<Record<BindingKind, string>> = {
  var: 'Environment variable',
  secret: 'Secret',
  kv: 'KV namespace',
  d1: 'D1 database',
  r2: 'R2 bucket',
  service: 'Service binding',
  durableObject: 'Durable Object namespace',
  queue: 'Queue producer',
  ai: 'Workers AI',
  analyticsEngine: 'Analytics Engine dataset',
  hyperdrive: 'Hyperdrive configuration',
  vectorize: 'Vectorize index',
  browser: 'Browser Rendering',
  assets: 'Static assets',
  version: 'Version metadata',
  dispatchNamespace: 'Dispatch namespace',
  mtlsCertificate: 'mTLS certificate',
  workflow: 'Workflow',
  sendEmail: 'Email sender',
  rateLimit: 'Rate limiter',
  secretsStoreSecret: 'Secrets Store secret',
  images: 'Images',
  media: 'Media Transformations',
  workerLoader: 'Worker Loader',
  textBlob: 'Text blob',
  dataBlob: 'Data blob',
  wasmModule: 'WebAssembly module',
};

export interface BindingDeclaration {
  /** The name on `env`. */
  name: string;
  kind: BindingKind;
  /** The TypeScript type `env.<name>` has, as `wrangler types` writes it (e.g. `KVNamespace`, `"literal"`). */
  type: string;
  /**
   * Where its name is written: the config (or `.dev.vars` / `.env` for secrets); 1-based line and column of the
   * name's first character, and of the character after it.
   */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Selected `[env.<name>]` section it comes from, if any (not set for what the top level declares). */
  environment?: string;
  /** The declaration as written (`{ binding, id }` for a KV namespace…): what the runtime builds the binding from. */
  settings: Record<string, unknown>;
  /** A var's value (string or JSON), a secret's string (when a local file sets it). */
  value?: unknown;
  /** Durable Objects and workflows: the class, and the worker it lives in when it is another one. */
  className?: string;
  scriptName?: string;
}

export interface ReadBindingsOptions {
  /** The `[env.<name>]` to use (default: the project's own, from resolveWorkerProject). */
  environment?: string;
  /** Where `.dev.vars` / `.env` are read from (default: the disk). */
  readText?: ReadText;
}

/** One binding table or array of tables in the config, and what it declares. */
interface BindingSpec {
  key: readonly string[];
  kind: BindingKind;
  type: string;
  /** The key naming the binding inside each entry. */
  nameKey: 'binding' | 'name';
  /** `[ai]`-style single table, or `[[kv_namespaces]]`-style array. */
  single?: boolean;
  /** Inherited by environments (only `assets`). */
  inheritable?: boolean;
}

/** In the order `wrangler types` writes them. */
const BINDING_SPECS: readonly BindingSpec[] = [
  { key: ['kv_namespaces'], kind: 'kv', type: 'KVNamespace', nameKey: 'binding' },
  { key: ['durable_objects', 'bindings'], kind: 'durableObject', type: 'DurableObjectNamespace', nameKey: 'name' },
  { key: ['r2_buckets'], kind: 'r2', type: 'R2Bucket', nameKey: 'binding' },
  { key: ['d1_databases'], kind: 'd1', type: 'D1Database', nameKey: 'binding' },
  { key: ['services'], kind: 'service', type: 'Fetcher', nameKey: 'binding' },
  { key: ['analytics_engine_datasets'], kind: 'analyticsEngine', type: 'AnalyticsEngineDataset', nameKey: 'binding' },
  { key: ['dispatch_namespaces'], kind: 'dispatchNamespace', type: 'DispatchNamespace', nameKey: 'binding' },
  { key: ['queues', 'producers'], kind: 'queue', type: 'Queue', nameKey: 'binding' },
  { key: ['send_email'], kind: 'sendEmail', type: 'SendEmail', nameKey: 'name' },
  { key: ['vectorize'], kind: 'vectorize', type: 'VectorizeIndex', nameKey: 'binding' },
  { key: ['hyperdrive'], kind: 'hyperdrive', type: 'Hyperdrive', nameKey: 'binding' },
  { key: ['mtls_certificates'], kind: 'mtlsCertificate', type: 'Fetcher', nameKey: 'binding' },
  { key: ['workflows'], kind: 'workflow', type: 'Workflow', nameKey: 'binding' },
  { key: ['ratelimits'], kind: 'rateLimit', type: 'RateLimit', nameKey: 'name' },
  { key: ['secrets_store_secrets'], kind: 'secretsStoreSecret', type: 'SecretsStoreSecret', nameKey: 'binding' },
  { key: ['worker_loaders'], kind: 'workerLoader', type: 'WorkerLoader', nameKey: 'binding' },
  { key: ['browser'], kind: 'browser', type: 'Fetcher', nameKey: 'binding', single: true },
  { key: ['ai'], kind: 'ai', type: 'Ai', nameKey: 'binding', single: true },
  { key: ['images'], kind: 'images', type: 'ImagesBinding', nameKey: 'binding', single: true },
  { key: ['media'], kind: 'media', type: 'MediaBinding', nameKey: 'binding', single: true },
  { key: ['version_metadata'], kind: 'version', type: 'WorkerVersionMetadata', nameKey: 'binding', single: true },
  { key: ['assets'], kind: 'assets', type: 'Fetcher', nameKey: 'binding', single: true, inheritable: true },
];

/** Top-level-only maps of name → file (service-worker era bindings). */
const BLOB_SPECS: readonly { key: string; kind: BindingKind; type: string }[] = [
  { key: 'text_blobs', kind: 'textBlob', type: 'string' },
  { key: 'data_blobs', kind: 'dataBlob', type: 'ArrayBuffer' },
  { key: 'wasm_modules', kind: 'wasmModule', type: 'WebAssembly.Module' },
];

/**
 * The bindings of a project: what `env` holds, one declaration per name. For a name declared twice in the config the
 * first declaration wins (config diagnostics report the second, see configBindings); a secret replaces a var.
 */
export function readBindings(project: WorkerProject, options: ReadBindingsOptions = {}): BindingDeclaration[] {
  const file = project.configPath;
  const config = project.config;
  if (!file || !config) return [];
  const environment = options.environment ?? project.environment;
  const declared = configBindings(file, config, environment);
  const secrets = secretBindings(file, config, project.root, environment, options.readText ?? readTextFromDisk);
  const secretNames = new Set(secrets.map((s) => s.name));
  const result: BindingDeclaration[] = [];
  const seen = new Set<string>();
  for (const binding of declared) {
    if (seen.has(binding.name) || (binding.kind === 'var' && secretNames.has(binding.name))) continue;
    seen.add(binding.name);
    result.push(binding);
  }
  for (const secret of secrets) {
    if (seen.has(secret.name)) continue;
    seen.add(secret.name);
    result.push(secret);
  }
  return result;
}

/**
 * Every binding one scope of the config declares (the top level, or `[env.<environment>]` with what it inherits),
 * duplicates included, in the order `wrangler types` writes them; no secrets.
 */
export function configBindings(file: string, config: WranglerConfig, environment?: string): BindingDeclaration[] {
  const section = environment === undefined ? config.raw : environmentSections(config.raw).get(environment);
  if (!section) {
    throw new UnknownEnvironmentError(`no environment "${environment}" (declared: ${config.environments.join(', ') || 'none'})`, file);
  }
  const locator = configLocator(config.text, config.format);
  const prefix: KeyPath = environment === undefined ? [] : ['env', environment];
  const reader = new DeclarationReader(file, config.text, locator, environment);
  const result: BindingDeclaration[] = [];

  const vars = section.vars;
  if (isTable(vars)) {
    for (const [name, value] of Object.entries(vars)) {
      result.push(reader.declaration({ name, kind: 'var', type: varType(value), at: [...prefix, 'vars', name], nameIn: 'key', settings: { value }, value }));
    }
  }
  for (const spec of BINDING_SPECS) {
    let scope = section;
    let scopePrefix = prefix;
    if (spec.inheritable && environment !== undefined && valueAt(section, spec.key) === undefined) {
      scope = config.raw;
      scopePrefix = [];
    }
    const value = valueAt(scope, spec.key);
    const entries = spec.single ? (isTable(value) ? [value] : []) : Array.isArray(value) ? value : [];
    entries.forEach((entry, index) => {
      if (!isTable(entry)) return;
      const name = entry[spec.nameKey];
      if (typeof name !== 'string' || name === '') return;
      const at = spec.single ? [...scopePrefix, ...spec.key, spec.nameKey] : [...scopePrefix, ...spec.key, index, spec.nameKey];
      const declaration = reader.declaration({ name, kind: spec.kind, type: spec.type, at, nameIn: 'value', settings: entry, inherited: scope !== section });
      if (typeof entry.class_name === 'string') declaration.className = entry.class_name;
      if (typeof entry.script_name === 'string') declaration.scriptName = entry.script_name;
      result.push(declaration);
    });
  }
  for (const blob of BLOB_SPECS) {
    const value = config.raw[blob.key];
    if (!isTable(value)) continue;
    for (const [name, source] of Object.entries(value)) {
      result.push(reader.declaration({ name, kind: blob.kind, type: blob.type, at: [blob.key, name], nameIn: 'key', settings: { path: source }, inherited: true }));
    }
  }
  return result;
}

/** A binding declaration the runtime cannot use, where and why (`kv_namespaces[0]: needs \`binding\``). */
export interface BindingProblem {
  file: string;
  line: number;
  column: number;
  /** The key path as wrangler writes it: `kv_namespaces[0].binding`, `env.staging.services`. */
  key: string;
  message: string;
}

/** Keys a declaration of a kind needs besides its name (one of each inner list), as wrangler requires them. */
const REQUIRED_KEYS: Partial<Record<BindingKind, string[][]>> = {
  durableObject: [['class_name']],
  r2: [['bucket_name']],
  d1: [['database_id', 'database_name']],
  service: [['service']],
  queue: [['queue']],
};

const keyText = (path: KeyPath) => path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');

/**
 * What is wrong with the binding declarations of one scope (the top level, or `[env.<environment>]`): a list where a
 * table array belongs, an entry that is not a table, a missing name, a missing key the kind needs — each at its line.
 * The runtime refuses such a config (file:line: key: message); the language server shows them as config-invalid.
 */
export function bindingProblems(file: string, config: WranglerConfig, environment?: string): BindingProblem[] {
  const section = environment === undefined ? config.raw : environmentSections(config.raw).get(environment);
  if (!section) return [];
  const locator = configLocator(config.text, config.format);
  const prefix: KeyPath = environment === undefined ? [] : ['env', environment];
  const problems: BindingProblem[] = [];
  const report = (path: KeyPath, message: string) => {
    // The nearest part of the path that is written in the file.
    let location;
    for (let end = path.length; end > 0 && !location; end--) location = locator.locate(path.slice(0, end));
    const at = lineColumnAt(config.text, location?.key.start ?? 0);
    problems.push({ file, line: at.line, column: at.column, key: keyText(path), message });
  };
  for (const spec of BINDING_SPECS) {
    const value = valueAt(section, spec.key);
    if (value === undefined) continue;
    const path = [...prefix, ...spec.key];
    const header = spec.single ? `[${spec.key.join('.')}]` : `[[${spec.key.join('.')}]]`;
    if (spec.single ? !isTable(value) : !Array.isArray(value)) {
      report(path, `must be ${spec.single ? 'a table' : 'an array of tables'} (${header} in TOML)`);
      continue;
    }
    const entries = spec.single ? [value] : (value as unknown[]);
    entries.forEach((entry, index) => {
      const at = spec.single ? path : [...path, index];
      if (!isTable(entry)) {
        report(at, `each entry must be a table with a \`${spec.nameKey}\``);
        return;
      }
      if (typeof entry[spec.nameKey] !== 'string' || entry[spec.nameKey] === '') report(at, `needs \`${spec.nameKey}\`: the name the worker sees on env`);
      for (const keys of REQUIRED_KEYS[spec.kind] ?? []) {
        if (!keys.some((key) => typeof entry[key] === 'string' && entry[key] !== '')) report(at, `needs ${keys.map((key) => `\`${key}\``).join(' or ')}`);
      }
    });
  }
  return problems;
}

/** Secrets: the names `secrets.required` lists when set, else every key of the local secret files. */
function secretBindings(file: string, config: WranglerConfig, root: string, environment: string | undefined, readText: ReadText): BindingDeclaration[] {
  const section = environment === undefined ? config.raw : environmentSections(config.raw).get(environment);
  const local = readLocalSecrets(root, environment, readText);
  const toDeclaration = (secret: (typeof local)[number]): BindingDeclaration => ({
    name: secret.name,
    kind: 'secret',
    type: 'string',
    file: secret.file,
    line: secret.line,
    column: secret.column,
    endLine: secret.endLine,
    endColumn: secret.endColumn,
    settings: {},
    value: secret.value,
    ...(environment !== undefined ? { environment } : {}),
  });
  const secrets = section?.secrets;
  const required = isTable(secrets) && Array.isArray(secrets.required) ? secrets.required.filter((n): n is string => typeof n === 'string') : undefined;
  if (!required) return local.map(toDeclaration);
  const reader = new DeclarationReader(file, config.text, configLocator(config.text, config.format), environment);
  const prefix: KeyPath = environment === undefined ? [] : ['env', environment];
  return required.map((name, index) => {
    const set = local.find((s) => s.name === name);
    return set ? toDeclaration(set) : reader.declaration({ name, kind: 'secret', type: 'string', at: [...prefix, 'secrets', 'required', index], nameIn: 'value', settings: {} });
  });
}

/** Builds declarations located in the config's text. */
class DeclarationReader {
  private readonly file: string;
  private readonly text: string;
  private readonly locator: ConfigLocator;
  private readonly environment: string | undefined;

  constructor(file: string, text: string, locator: ConfigLocator, environment: string | undefined) {
    this.file = file;
    this.text = text;
    this.locator = locator;
    this.environment = environment;
  }

  declaration(d: {
    name: string;
    kind: BindingKind;
    type: string;
    /** Key path of the name: a key (`vars.X`) or a value (`binding = "X"`). */
    at: KeyPath;
    nameIn: 'key' | 'value';
    settings: Record<string, unknown>;
    value?: unknown;
    /** Declared at the top level although an environment is selected. */
    inherited?: boolean;
  }): BindingDeclaration {
    const location = this.locator.locate(d.at);
    const span: TextSpan = (d.nameIn === 'value' && location?.value ? unquoted(this.text, location.value) : location?.key && unquoted(this.text, location.key)) ?? { start: 0, end: 0 };
    const start = lineColumnAt(this.text, span.start);
    const end = lineColumnAt(this.text, span.end);
    const declaration: BindingDeclaration = {
      name: d.name,
      kind: d.kind,
      type: d.type,
      file: this.file,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      settings: d.settings,
    };
    if (this.environment !== undefined && !d.inherited) declaration.environment = this.environment;
    if ('value' in d) declaration.value = d.value;
    return declaration;
  }
}

/**
 * A var's type as `wrangler types` writes it (its default, strict vars): the JSON of the value, which is a literal
 * type for strings, numbers and booleans and a structural type for objects and arrays.
 */
export function varType(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'number'; // TOML's inf and nan have no literal type
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'object' && value !== null)) {
    return JSON.stringify(value); // TOML dates become their ISO strings, as in JSON
  }
  return 'unknown';
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function valueAt(table: Record<string, unknown>, key: readonly string[]): unknown {
  let value: unknown = table;
  for (const segment of key) {
    if (!isTable(value)) return undefined;
    value = value[segment];
  }
  return value;
}
