/**
 * Diagnostics in the wrangler config itself, for the editor (published on the config's URI) and `worker-studio check`:
 *   config-syntax            (error)    the parser rejects the file, at the parser's line and column
 *   config-invalid           (error)    a known key holds the wrong kind of value (`main = 3`), a binding lacks its name
 *                                       or a key its kind needs (`[[kv_namespaces]]` without `binding`)
 *   config-unknown-key       (warning)  a key wrangler does not know (it warns and ignores it), closest known key suggested
 *   config-missing-main      (error)    `main` names a file that does not exist
 *   config-duplicate-binding (error)    one name declared twice in the same scope (the top level, or one environment)
 * The known keys are wrangler's own (common/configKeys.ts); bindings and their places come from common/bindings.ts.
 */
import path from 'node:path';
import { BINDING_KIND_LABELS, bindingProblems, configBindings, type BindingDeclaration } from '../../common/bindings.ts';
import { configLocator, type ConfigLocator, type KeyPath, type TextSpan } from '../../common/configLocator.ts';
import { ENVIRONMENT_KEYS, TOP_LEVEL_KEYS, TOP_LEVEL_ONLY_KEYS } from '../../common/configKeys.ts';
import {
  ConfigSyntaxError,
  environmentSections,
  lineColumnAt,
  ProjectError,
  readConfig,
  type ReadText,
  type WranglerConfig,
} from '../../common/workerProject.ts';
import type { Position, WorkerDiagnostic } from './diagnostics.ts';
import { closestName } from './rules/closestName.ts';

export const CONFIG_SYNTAX = 'config-syntax';
export const CONFIG_INVALID = 'config-invalid';
export const CONFIG_UNKNOWN_KEY = 'config-unknown-key';
export const CONFIG_MISSING_MAIN = 'config-missing-main';
export const CONFIG_DUPLICATE_BINDING = 'config-duplicate-binding';

/** The config's diagnostics, sorted by position; [] when the file cannot be read. */
export function diagnoseConfig(configPath: string, readText: ReadText): WorkerDiagnostic[] {
  const file = path.resolve(configPath);
  const text = readText(file);
  if (text === undefined) return [];
  let config: WranglerConfig;
  try {
    config = readConfig(file, { text });
  } catch (err) {
    if (!(err instanceof ProjectError)) throw err;
    const code = err instanceof ConfigSyntaxError ? CONFIG_SYNTAX : CONFIG_INVALID;
    return [atLine(file, text, err.line ?? 1, err.column, code, `${err.reason}.`)];
  }
  const locator = configLocator(text, config.format);
  const report = new Reporter(file, text, locator);
  unknownKeys(config, report);
  missingMain(config, file, readText, report);
  duplicateBindings(config, file, report);
  // Binding declarations the runtime refuses (common/bindings.ts bindingProblems), in every scope.
  for (const environment of [undefined, ...config.environments]) {
    for (const problem of bindingProblems(file, config, environment)) report.diagnostics.push(atLine(file, text, problem.line, problem.column, CONFIG_INVALID, `\`${problem.key}\` ${problem.message}.`));
  }
  return report.diagnostics.sort((a, b) => a.start.line - b.start.line || a.start.character - b.start.character);
}

function unknownKeys(config: WranglerConfig, report: Reporter): void {
  for (const key of Object.keys(config.raw)) {
    if (TOP_LEVEL_KEYS.has(key)) continue;
    report.key([key], 'warning', CONFIG_UNKNOWN_KEY, `${unknownKeyMessage(key, TOP_LEVEL_KEYS)} wrangler ignores keys it does not know, so this setting has no effect.`);
  }
  for (const [name, section] of environmentSections(config.raw)) {
    for (const key of Object.keys(section)) {
      if (ENVIRONMENT_KEYS.has(key)) continue;
      const message = TOP_LEVEL_ONLY_KEYS.has(key)
        ? `"${key}" is only valid at the top level, not in [env.${name}]. wrangler ignores it here, so the setting has no effect.`
        : `${unknownKeyMessage(key, ENVIRONMENT_KEYS)} wrangler ignores keys it does not know, so this setting has no effect in [env.${name}].`;
      report.key(['env', name, key], 'warning', CONFIG_UNKNOWN_KEY, message);
    }
  }
}

function unknownKeyMessage(key: string, known: ReadonlySet<string>): string {
  const suggestion = closestName(key, known);
  return `Unknown key "${key}"${suggestion ? `; did you mean "${suggestion.name}"?` : '.'}`;
}

function missingMain(config: WranglerConfig, file: string, readText: ReadText, report: Reporter): void {
  const scopes: { at: KeyPath; main: unknown }[] = [{ at: ['main'], main: config.raw.main }];
  for (const [name, section] of environmentSections(config.raw)) scopes.push({ at: ['env', name, 'main'], main: section.main });
  for (const { at, main } of scopes) {
    if (typeof main !== 'string') continue;
    if (readText(path.resolve(path.dirname(file), main)) !== undefined) continue;
    report.value(at, 'error', CONFIG_MISSING_MAIN, `"main" points at ${main}, which does not exist. The worker cannot be built or run without its entry module.`);
  }
}

function duplicateBindings(config: WranglerConfig, file: string, report: Reporter): void {
  const scopes: (string | undefined)[] = [undefined, ...config.environments];
  for (const environment of scopes) {
    const first = new Map<string, BindingDeclaration>();
    for (const binding of configBindings(file, config, environment)) {
      const earlier = first.get(binding.name);
      if (!earlier) {
        first.set(binding.name, binding);
        continue;
      }
      // In an environment, a pair that is all top level (inherited) was reported for the top level already.
      if (environment !== undefined && binding.environment === undefined) continue;
      const where = `${path.basename(earlier.file)}:${earlier.line}`;
      const scope = environment === undefined ? '' : ` in [env.${environment}]`;
      report.binding(
        binding,
        `${binding.name} is declared twice${scope}: here (${BINDING_KIND_LABELS[binding.kind]}) and at ${where} (${BINDING_KIND_LABELS[earlier.kind]}). A worker's env holds one value per name, so one of the two bindings is unreachable.`,
      );
    }
  }
}

/** Collects diagnostics located by key path, binding, or line. */
class Reporter {
  readonly diagnostics: WorkerDiagnostic[] = [];
  private readonly file: string;
  private readonly text: string;
  private readonly locator: ConfigLocator;

  constructor(file: string, text: string, locator: ConfigLocator) {
    this.file = file;
    this.text = text;
    this.locator = locator;
  }

  key(at: KeyPath, severity: WorkerDiagnostic['severity'], code: string, message: string): void {
    const location = this.locator.locate(at);
    this.push(location?.key ?? { start: 0, end: 0 }, severity, code, message);
  }

  value(at: KeyPath, severity: WorkerDiagnostic['severity'], code: string, message: string): void {
    const location = this.locator.locate(at);
    this.push(location?.value ?? location?.key ?? { start: 0, end: 0 }, severity, code, message);
  }

  binding(binding: BindingDeclaration, message: string): void {
    this.diagnostics.push({
      file: this.file,
      start: { line: binding.line - 1, character: binding.column - 1 },
      end: { line: binding.endLine - 1, character: binding.endColumn - 1 },
      severity: 'error',
      code: CONFIG_DUPLICATE_BINDING,
      message,
    });
  }

  private push(span: TextSpan, severity: WorkerDiagnostic['severity'], code: string, message: string): void {
    this.diagnostics.push({ file: this.file, start: position(this.text, span.start), end: position(this.text, span.end), severity, code, message });
  }
}

/** 0-based LSP position of an offset. */
function position(text: string, offset: number): Position {
  const { line, column } = lineColumnAt(text, offset);
  return { line: line - 1, character: column - 1 };
}

/** A diagnostic at a 1-based line (and column), spanning to the end of that line. */
function atLine(file: string, text: string, line: number, column: number | undefined, code: string, message: string): WorkerDiagnostic {
  const lineText = text.split('\n')[line - 1] ?? '';
  const character = Math.max(0, Math.min((column ?? 1) - 1, lineText.length));
  const end = Math.max(character + 1, lineText.replace(/\r$/, '').length);
  return { file, start: { line: line - 1, character }, end: { line: line - 1, character: end }, severity: 'error', code, message };
}
