/**
 * Resolves what a user points Worker Studio at — a project folder or an entry file — into a worker project:
 * the wrangler config (wrangler.json > wrangler.jsonc > wrangler.toml, as wrangler picks them), its parsed contents,
 * and the entry file from its `main`. One module, used by the runtime, the language server and the extension.
 * Parsing uses real parsers (smol-toml, jsonc-parser); every error names the file and line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';

/** Config file names in the order wrangler prefers them. */
export const CONFIG_FILE_NAMES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'] as const;
export const ENTRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs', '.tsx', '.jsx'] as const;

/** The part of a wrangler config this module understands; everything else is kept in `raw`. */
export interface WranglerConfig {
  name?: string;
  main?: string;
  compatibility_date?: string;
  compatibility_flags?: string[];
  raw: Record<string, unknown>;
}

export interface WorkerProject {
  /** The folder the config is in (or the entry's folder when there is no config). */
  root: string;
  /** Absolute path of the worker's entry module. */
  entry: string;
  /** Absolute path of the config file, when there is one. */
  configPath?: string;
  config?: WranglerConfig;
}

/** A problem with the user's project, located for the user: `file:line:column: message`. */
export class ProjectError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, file: string, line?: number, column?: number) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${message}`);
    this.name = 'ProjectError';
    this.file = file;
    this.line = line;
    this.column = column;
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

/** Parses a wrangler config file; throws ProjectError with the line of a syntax or shape error. */
export function readConfig(file: string): WranglerConfig {
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  if (file.endsWith('.toml')) {
    try {
      raw = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError) throw new ProjectError(err.message.split('\n')[0] ?? err.message, file, err.line, err.column);
      throw err;
    }
  } else {
    const errors: ParseError[] = [];
    raw = parseJsonc(text, errors, { allowTrailingComma: true });
    const first = errors[0];
    if (first) {
      const { line, column } = lineColumnAt(text, first.offset);
      throw new ProjectError(`invalid JSON: ${printParseErrorCode(first.error)}`, file, line, column);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProjectError('the config must be an object', file, 1, 1);
  const config = raw as Record<string, unknown>;
  const keyLine = (key: string) => {
    const index = text.search(new RegExp(`^\\s*"?${key}"?\\s*[=:]`, 'm'));
    return index < 0 ? undefined : lineColumnAt(text, index).line;
  };
  const expectString = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ProjectError(`"${key}" must be a string`, file, keyLine(key));
    return value;
  };
  const flags = config.compatibility_flags;
  if (flags !== undefined && !(Array.isArray(flags) && flags.every((f) => typeof f === 'string'))) {
    throw new ProjectError('"compatibility_flags" must be an array of strings', file, keyLine('compatibility_flags'));
  }
  const result: WranglerConfig = { raw: config };
  const name = expectString('name');
  const main = expectString('main');
  const date = expectString('compatibility_date');
  if (name !== undefined) result.name = name;
  if (main !== undefined) result.main = main;
  if (date !== undefined) result.compatibility_date = date;
  if (flags !== undefined) result.compatibility_flags = flags as string[];
  return result;
}

/**
 * Resolves a CLI/extension argument (a folder with a wrangler config, or an entry file) to a project.
 * Throws ProjectError when the path, the config or the entry is unusable.
 */
export function resolveWorkerProject(target: string): WorkerProject {
  const abs = path.resolve(target);
  if (!existsSync(abs)) throw new ProjectError('no such file or folder', abs);
  if (statSync(abs).isFile()) {
    if (CONFIG_FILE_NAMES.some((name) => path.basename(abs) === name)) return projectFromConfig(abs);
    if (!ENTRY_EXTENSIONS.some((ext) => abs.endsWith(ext))) {
      throw new ProjectError(`not a worker entry: expected one of ${ENTRY_EXTENSIONS.join(', ')}`, abs);
    }
    const configPath = findConfigFile(path.dirname(abs));
    return configPath ? { root: path.dirname(abs), entry: abs, configPath, config: readConfig(configPath) } : { root: path.dirname(abs), entry: abs };
  }
  const configPath = findConfigFile(abs);
  if (!configPath) {
    throw new ProjectError(`no ${CONFIG_FILE_NAMES.join(' / ')} here; pass a folder with a wrangler config or an entry file (.ts/.js/.mjs)`, abs);
  }
  return projectFromConfig(configPath);
}

function projectFromConfig(configPath: string): WorkerProject {
  const config = readConfig(configPath);
  const root = path.dirname(configPath);
  if (!config.main) throw new ProjectError('no "main" entry: set main = "src/index.ts" (the worker\'s entry module)', configPath, 1);
  const entry = path.resolve(root, config.main);
  if (!existsSync(entry)) {
    const text = readFileSync(configPath, 'utf8');
    const index = text.search(/^\s*"?main"?\s*[=:]/m);
    throw new ProjectError(`"main" points at ${config.main}, which does not exist`, configPath, index < 0 ? undefined : lineColumnAt(text, index).line);
  }
  return { root, entry, configPath, config };
}
