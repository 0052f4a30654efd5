/**
 * The one diagnostic function behind both the language server and `worker-studio check`: TypeScript's syntactic and
 * semantic diagnostics for a file plus, for the worker's entry, the Workers rules — converted to one editor-neutral shape.
 */
import path from 'node:path';
import ts from 'typescript';
import { checkHandlerType } from './rules/handlerType.ts';
import { RULES } from './rules/index.ts';
import type { RuleContext, RuleDiagnostic } from './rules/rule.ts';
import type { TypeCheckProject } from './typeCheck/project.ts';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** 0-based line and UTF-16 character, as LSP counts them. */
export interface Position {
  line: number;
  character: number;
}

export interface WorkerDiagnostic {
  /** Absolute path. */
  file: string;
  start: Position;
  end: Position;
  severity: Severity;
  /** A rule name (`handler-type`) or `ts<number>` for TypeScript's own diagnostics. */
  code: string;
  message: string;
  /** Quick fixes, with their edits in line/character positions. */
  fixes?: WorkerFix[];
}

export interface WorkerFix {
  title: string;
  edits: { file: string; start: Position; end: Position; newText: string }[];
}

/** `// worker-studio-ignore-next-line <code> [<code>…]` silences those codes on the next line (no code: every rule). */
const IGNORE_NEXT_LINE = /\/\/\s*worker-studio-ignore-next-line\b([^\n]*)/g;

/**
 * TypeScript errors that only restate a handler-type error: assignability failures of the default export
 * ("Type … is not assignable to type …", "does not satisfy the expected type …" and friends).
 */
const ASSIGNABILITY_CODES = new Set([2322, 2345, 1360, 2739, 2740, 2741, 2559, 2353, 2416]);

export function diagnoseFile(project: TypeCheckProject, fileName: string): WorkerDiagnostic[] {
  const file = path.resolve(fileName);
  const program = project.program();
  const sourceFile = program.getSourceFile(file);
  if (!sourceFile) return [];
  const tsDiagnostics = [...project.service.getSyntacticDiagnostics(file), ...project.service.getSemanticDiagnostics(file)];
  let ruleDiagnostics: RuleDiagnostic[] = [];
  let covered: { start: number; end: number }[] = [];
  /** TypeScript errors a rule diagnostic restates, by code and range (RuleDiagnostic.restatesTypeScript). */
  const restated: { code: number; start: number; end: number }[] = [];
  if (file === project.entry) {
    const handler = checkHandlerType(program, sourceFile, project.envFile);
    ruleDiagnostics = handler.diagnostics;
    covered = handler.covered;
  }
  const context: RuleContext = {
    program,
    checker: program.getTypeChecker(),
    sourceFile,
    isEntry: file === project.entry,
    bindings: project.bindings(),
    compatibilityFlags: project.compatibilityFlags(),
    compatibilityDate: project.compatibilityDate(),
    configPath: project.configPath,
    readText: (file) => project.readText(file),
  };
  for (const rule of RULES) ruleDiagnostics.push(...rule(context));
  // Before suppression: silencing a rule also silences the TypeScript error it restates.
  for (const d of ruleDiagnostics) {
    for (const code of d.restatesTypeScript ?? []) restated.push({ code, start: d.start, end: d.start + Math.max(d.length, 1) });
  }
  ruleDiagnostics = ruleDiagnostics.filter((d) => !ignored(sourceFile, d));
  const restates = (d: ts.Diagnostic) =>
    d.start !== undefined &&
    ((ASSIGNABILITY_CODES.has(d.code) && covered.some((range) => d.start! >= range.start && d.start! < range.end)) ||
      restated.some((range) => range.code === d.code && d.start! >= range.start && d.start! < range.end));

  const result: WorkerDiagnostic[] = [];
  for (const d of ruleDiagnostics) {
    const diagnostic = convert(sourceFile, file, d.start, d.length, d.category, d.code, d.message);
    if (d.fixes?.length) diagnostic.fixes = d.fixes.map((fix) => ({ title: fix.title, edits: fix.edits.map((edit) => toPositions(sourceFile, edit, project)) }));
    result.push(diagnostic);
  }
  for (const d of tsDiagnostics) {
    if (restates(d)) continue;
    result.push(convert(sourceFile, file, d.start ?? 0, d.length ?? 0, d.category, `ts${d.code}`, ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  }
  return result.sort((a, b) => a.start.line - b.start.line || a.start.character - b.start.character);
}

/** Whether a suppression comment on the line above silences the diagnostic. */
function ignored(sourceFile: ts.SourceFile, d: RuleDiagnostic): boolean {
  const line = sourceFile.getLineAndCharacterOfPosition(d.start).line;
  if (line === 0) return false;
  const lineStarts = sourceFile.getLineStarts();
  const previous = sourceFile.text.slice(lineStarts[line - 1], lineStarts[line]);
  for (const match of previous.matchAll(IGNORE_NEXT_LINE)) {
    const codes = (match[1] ?? '').split(/[\s,]+/).filter(Boolean);
    if (codes.length === 0 || codes.includes(d.code)) return true;
  }
  return false;
}

/** Offsets → positions: in the source file itself, or in another file (the config) read as the fix will edit it. */
function toPositions(sourceFile: ts.SourceFile, edit: { file: string; start: number; end: number; newText: string }, project: TypeCheckProject): WorkerFix['edits'][number] {
  const text = path.resolve(edit.file) === path.resolve(sourceFile.fileName) ? sourceFile : ts.createSourceFile(edit.file, project.readText(edit.file) ?? '', ts.ScriptTarget.Latest);
  return { file: edit.file, start: text.getLineAndCharacterOfPosition(edit.start), end: text.getLineAndCharacterOfPosition(edit.end), newText: edit.newText };
}

function convert(sourceFile: ts.SourceFile, file: string, start: number, length: number, category: ts.DiagnosticCategory, code: string, message: string): WorkerDiagnostic {
  return {
    file,
    start: sourceFile.getLineAndCharacterOfPosition(start),
    end: sourceFile.getLineAndCharacterOfPosition(start + length),
    severity: severityOf(category),
    code,
    message,
  };
}

function severityOf(category: ts.DiagnosticCategory): Severity {
  switch (category) {
    case ts.DiagnosticCategory.Error:
      return 'error';
    case ts.DiagnosticCategory.Warning:
      return 'warning';
    case ts.DiagnosticCategory.Suggestion:
      return 'hint';
    default:
      return 'information';
  }
}
