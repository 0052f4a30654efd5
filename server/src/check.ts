/**
 * `worker-studio check [PATH] [--format text|json]`: the language server's diagnostics for a worker project, printed.
 * Checks the wrangler config (configDiagnostics.ts), the entry and every file of the project in its program (not .d.ts,
 * not node_modules), through the same functions the server uses. Exit code: 1 when any error, 0 otherwise, 2 for usage
 * or project errors the config's diagnostics do not cover (no such path, no config).
 *   text: `src/index.ts:2:3 - error handler-type: message` (paths relative to the cwd), then `1 error, 0 warnings`
 *   json: [{ file (absolute), line, column, endLine, endColumn (1-based, UTF-16 columns), severity, code, message,
 *            fixes? [{ title, edits: [{ file, line, column, endLine, endColumn, newText }] }] }] — quick fixes, when the
 *            diagnostic has any (an edit may be in another file, such as the config)
 */
import path from 'node:path';
import { configFileFor, ProjectError, readTextFromDisk, resolveWorkerProject } from '../../common/workerProject.ts';
import { diagnoseConfig } from './configDiagnostics.ts';
import { diagnoseFile, type WorkerDiagnostic } from './diagnostics.ts';
import { bundledAssets, type TypeCheckAssets } from './typeCheck/assets.ts';
import { noDocuments } from './typeCheck/host.ts';
import { TypeCheckProject } from './typeCheck/project.ts';
import { startCommand, type CommandIo } from './commandLine.ts';

const USAGE = 'Usage: worker-studio check [PATH] [--format text|json]';

export interface CheckOptions extends CommandIo {
  assets?: TypeCheckAssets;
}

export interface CheckJsonEntry {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: WorkerDiagnostic['severity'];
  code: string;
  message: string;
  /** The editor's quick fixes for it; only present when there are some. */
  fixes?: { title: string; edits: CheckJsonEdit[] }[];
}

/** One text edit of a fix: replace file's [line:column, endLine:endColumn) (1-based, UTF-16 columns) by newText. */
export interface CheckJsonEdit {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
}

type Format = 'text' | 'json';

function parseArgs(args: string[]): { target: string | undefined; format: Format } | string {
  let target: string | undefined;
  let format: Format = 'text';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let value: string | undefined;
    if (arg === '--format') value = args[++i];
    else if (arg.startsWith('--format=')) value = arg.slice('--format='.length);
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (target === undefined) {
      target = arg;
      continue;
    } else return `unexpected argument ${arg}`;
    if (value !== 'text' && value !== 'json') return `--format must be text or json`;
    format = value;
  }
  return { target, format };
}

/**
 * Diagnostics of a whole worker project: the wrangler config's own first, then the entry, then the other files, each
 * sorted by position. A config too broken to find the entry in (a syntax error, a missing `main`) gives its
 * diagnostics alone; without any, its ProjectError is thrown.
 */
export function checkProject(target: string, assets: TypeCheckAssets): WorkerDiagnostic[] {
  const configPath = configFileFor(target);
  const configDiagnostics = configPath ? diagnoseConfig(configPath, readTextFromDisk) : [];
  let workerProject;
  try {
    workerProject = resolveWorkerProject(target);
  } catch (err) {
    if (err instanceof ProjectError && configDiagnostics.some((d) => d.severity === 'error')) return configDiagnostics;
    throw err;
  }
  const project = new TypeCheckProject({ root: workerProject.root, entry: workerProject.entry, workerProject, assets, documents: noDocuments });
  const files = [workerProject.entry, ...project.ownFiles().filter((f) => f !== workerProject.entry)];
  return [...configDiagnostics, ...files.flatMap((file) => diagnoseFile(project, file))];
}

export async function runCheck(args: string[], options: CheckOptions = {}): Promise<number> {
  const command = startCommand('check', USAGE, args, options, parseArgs);
  if (typeof command === 'number') return command;
  const { out, err, cwd, parsed } = command;
  let diagnostics: WorkerDiagnostic[];
  try {
    diagnostics = checkProject(path.resolve(cwd, parsed.target ?? '.'), options.assets ?? bundledAssets());
  } catch (e) {
    if (e instanceof ProjectError) {
      err(`worker-studio check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (parsed.format === 'json') {
    out(`${JSON.stringify(diagnostics.map(toJsonEntry), null, 2)}\n`);
  } else {
    for (const d of diagnostics) {
      const [first, ...rest] = d.message.split('\n');
      const location = `${path.relative(cwd, d.file) || d.file}:${d.start.line + 1}:${d.start.character + 1}`;
      out(`${location} - ${d.severity} ${d.code}: ${first}\n${rest.map((line) => `  ${line}\n`).join('')}`);
    }
    out(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  return errors > 0 ? 1 : 0;
}

function toJsonEntry(d: WorkerDiagnostic): CheckJsonEntry {
  const entry: CheckJsonEntry = {
    file: d.file,
    line: d.start.line + 1,
    column: d.start.character + 1,
    endLine: d.end.line + 1,
    endColumn: d.end.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
  if (d.fixes?.length) {
    entry.fixes = d.fixes.map((fix) => ({
      title: fix.title,
      edits: fix.edits.map((e) => ({ file: e.file, line: e.start.line + 1, column: e.start.character + 1, endLine: e.end.line + 1, endColumn: e.end.character + 1, newText: e.newText })),
    }));
  }
  return entry;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
