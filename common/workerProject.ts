/**
 * Resolves what a user points Worker Studio at — a project folder or an entry file — into a worker project:
 * the wrangler config (wrangler.json > wrangler.jsonc > wrangler.toml, as wrangler picks them), its parsed contents,
 * the selected `[env.<name>]` section, and the entry file from its `main`. One module, used by the runtime, the language
 * server and the extension; the only reader of wrangler config files. Parsing uses real parsers (smol-toml,
 * jsonc-parser); every error names the file and line. The config's text is kept so that others (common/bindings.ts,
 * the language server's config diagnostics) can locate keys in it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { configLocator } from './configLocator.ts';

/** Config file names in the order wrangler prefers them. */
export const CONFIG_FILE_NAMES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'] as const;
export const ENTRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs', '.tsx', '.jsx'] as const;

/**
 * Reads a file's text, or undefined when there is none. Everything that reads a project's files takes one, so the
 * language server can serve the editor's unsaved text instead of the disk's.
 */
export type ReadText = (file: string) => string | undefined;

export const readTextFromDisk: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The part of a wrangler config this module understands; everything else is kept in `raw`. `name`, `main` and the
 * compatibility settings are those of the selected environment: wrangler inherits them from the top level when an
 * `[env.<name>]` section does not set them (bindings and vars are not inherited: common/bindings.ts).
 */
export interface WranglerConfig {
  name?: string;
  main?: string;
  compatibility_date?: string;
  compatibility_flags?: string[];
  /** The whole file as parsed (every environment). */
  raw: Record<string, unknown>;
  /** The file's text, as parsed (the editor's when it has unsaved changes). */
  text: string;
  format: ConfigFormat;
  /** The selected `[env.<name>]`, if any. */
  environment?: string;
  /** The names of the `[env.<name>]` sections. */
  environments: string[];
}

export type ConfigFormat = 'toml' | 'json';

/** Options for reading a config: which environment, and where the text comes from (the disk by default). */
export interface ConfigOptions {
  environment?: string;
  readText?: ReadText;
}

export interface WorkerProject {
  /** The folder the config is in (or the entry's folder when there is no config). */
  root: string;
  /** Absolute path of the worker's entry module. */
  entry: string;
  /** Absolute path of the config file, when there is one. */
  configPath?: string;
  config?: WranglerConfig;
  /** The selected `[env.<name>]`, if any. */
  environment?: string;
}

/** A problem with the user's project, located for the user: `file:line:column: message`. */
export class ProjectError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The message without the location. */
  readonly reason: string;
  constructor(message: string, file: string, line?: number, column?: number) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${message}`);
    this.name = 'ProjectError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = message;
  }
}

/** An `--env` / environment the config has no `[env.<name>]` section for. */
export class UnknownEnvironmentError extends ProjectError {
  constructor(message: string, file: string) {
    super(message, file);
    this.name = 'UnknownEnvironmentError';
  }
}

/** A config file its parser rejects (as opposed to one that parses but holds a wrong value). */
export class ConfigSyntaxError extends ProjectError {
  constructor(message: string, file: string, line?: number, column?: number) {
    super(message, file, line, column);
    this.name = 'ConfigSyntaxError';
  }
}

/** 1-based line and column of an offset in a text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

/** The config file in a folder, in wrangler's order of preference. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function configFormatOf(file: string): ConfigFormat {
  return file.endsWith('.toml') ? 'toml' : 'json';
}

/** Parses a config's text into its top-level object; throws ConfigSyntaxError at the line of a syntax error. */
export function parseConfigText(file: string, text: string): Record<string, unknown> {
  let raw: unknown;
  if (configFormatOf(file) === 'toml') {
    try {
      raw = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError) throw new ConfigSyntaxError(err.message.split('\n')[0] ?? err.message, file, err.line, err.column);
      throw err;
    }
  } else {
    const errors: ParseError[] = [];
    raw = parseJsonc(text, errors, { allowTrailingComma: true });
    const first = errors[0];
    if (first) {
      const { line, column } = lineColumnAt(text, first.offset);
      throw new ConfigSyntaxError(`invalid JSON: ${printParseErrorCode(first.error)}`, file, line, column);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigSyntaxError('the config must be an object', file, 1, 1);
  return raw as Record<string, unknown>;
}

/** The `[env.<name>]` sections of a parsed config, by name. */
export function environmentSections(raw: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const sections = new Map<string, Record<string, unknown>>();
  const env = raw.env;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return sections;
  for (const [name, section] of Object.entries(env as Record<string, unknown>)) {
    if (typeof section === 'object' && section !== null && !Array.isArray(section)) sections.set(name, section as Record<string, unknown>);
  }
  return sections;
}

/**
 * Parses a wrangler config file (or the given text of it), selecting `options.environment` when set; throws
 * ProjectError with the line of a syntax or shape error, or when the environment is not declared.
 */
export function readConfig(file: string, options: ConfigOptions & { text?: string } = {}): WranglerConfig {
  const text = options.text ?? (options.readText ?? readTextFromDisk)(file);
  if (text === undefined) throw new ProjectError('cannot read the config', file);
  const config = parseConfigText(file, text);
  const sections = environmentSections(config);
  const environment = options.environment;
  const section = environment === undefined ? undefined : sections.get(environment);
  if (environment !== undefined && !section) {
    const declared = [...sections.keys()];
    throw new UnknownEnvironmentError(
      `no environment "${environment}" (${declared.length > 0 ? `declared: ${declared.join(', ')}` : 'the config declares no [env.<name>] sections'})`,
      file,
    );
  }
  const keyLine = (key: string) => {
    const index = text.search(new RegExp(`^\\s*"?${key}"?\\s*[=:]`, 'm'));
    return index < 0 ? undefined : lineColumnAt(text, index).line;
  };
  // Inheritable keys: the environment's own value, else the top level's.
  const pick = (key: string): unknown => (section && section[key] !== undefined ? section[key] : config[key]);
  const expectString = (key: string): string | undefined => {
    const value = pick(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ProjectError(`"${key}" must be a string`, file, keyLine(key));
    return value;
  };
  const flags = pick('compatibility_flags');
  if (flags !== undefined && !(Array.isArray(flags) && flags.every((f) => typeof f === 'string'))) {
    throw new ProjectError('"compatibility_flags" must be an array of strings', file, keyLine('compatibility_flags'));
  }
  const result: WranglerConfig = { raw: config, text, format: configFormatOf(file), environments: [...sections.keys()] };
  // wrangler deploys an environment as its own worker, `<name>-<environment>`, unless the section names it.
  const topName = typeof config.name === 'string' ? config.name : undefined;
  const name = section && section.name === undefined && topName !== undefined ? `${topName}-${environment}` : expectString('name');
  const main = expectString('main');
  const date = expectString('compatibility_date');
  if (name !== undefined) result.name = name;
  if (main !== undefined) result.main = main;
  if (date !== undefined) result.compatibility_date = date;
  if (flags !== undefined) result.compatibility_flags = flags as string[];
  if (environment !== undefined) result.environment = environment;
  return result;
}

/** The config file a CLI/extension argument designates: the config itself, or the one in the folder (or beside the entry). */
export function configFileFor(target: string): string | undefined {
  const abs = path.resolve(target);
  if (!existsSync(abs)) return undefined;
  if (statSync(abs).isFile()) return CONFIG_FILE_NAMES.some((name) => path.basename(abs) === name) ? abs : findConfigFile(path.dirname(abs));
  return findConfigFile(abs);
}

/**
 * Resolves a CLI/extension argument (a folder with a wrangler config, or an entry file) to a project.
 * Throws ProjectError when the path, the config or the entry is unusable.
 */
export function resolveWorkerProject(target: string, options: ConfigOptions = {}): WorkerProject {
  const abs = path.resolve(target);
  if (!existsSync(abs)) throw new ProjectError('no such file or folder', abs);
  if (statSync(abs).isFile()) {
    if (CONFIG_FILE_NAMES.some((name) => path.basename(abs) === name)) return projectFromConfig(abs, options);
    if (!ENTRY_EXTENSIONS.some((ext) => abs.endsWith(ext))) {
      throw new ProjectError(`not a worker entry: expected one of ${ENTRY_EXTENSIONS.join(', ')}`, abs);
    }
    const configPath = findConfigFile(path.dirname(abs));
    if (!configPath) return { root: path.dirname(abs), entry: abs };
    const config = readConfig(configPath, options);
    return withEnvironment({ root: path.dirname(abs), entry: abs, configPath, config });
  }
  const configPath = findConfigFile(abs);
  if (!configPath) {
    throw new ProjectError(`no ${CONFIG_FILE_NAMES.join(' / ')} here; pass a folder with a wrangler config or an entry file (.ts/.js/.mjs)`, abs);
  }
  return projectFromConfig(configPath, options);
}

function withEnvironment(project: WorkerProject): WorkerProject {
  return project.config?.environment === undefined ? project : { ...project, environment: project.config.environment };
}

function projectFromConfig(configPath: string, options: ConfigOptions): WorkerProject {
  const config = readConfig(configPath, options);
  const root = path.dirname(configPath);
  if (!config.main) throw new ProjectError('no "main" entry: set main = "src/index.ts" (the worker\'s entry module)', configPath, 1);
  const entry = path.resolve(root, config.main);
  if (!existsSync(entry) && (options.readText ?? readTextFromDisk)(entry) === undefined) {
    const section = config.environment === undefined ? undefined : environmentSections(config.raw).get(config.environment);
    const where = configLocator(config.text, config.format).locate(section?.main !== undefined ? ['env', config.environment!, 'main'] : ['main']);
    const at = where ? lineColumnAt(config.text, (where.value ?? where.key).start) : undefined;
    // Line only: `file:line: message` is what the runtime's output has always said here.
    throw new ProjectError(`"main" points at ${config.main}, which does not exist`, configPath, at?.line);
  }
  return withEnvironment({ root, entry, configPath, config });
}
