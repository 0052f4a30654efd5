/**
 * The one diagnostic function behind both the language server and `worker-studio check`: TypeScript's syntactic and
 * semantic diagnostics for a file plus, for the worker's entry, the Workers rules — converted to one editor-neutral shape.
 */
import path from 'node:path';
import ts from 'typescript';
import { checkHandlerType, type RuleDiagnostic } from './rules/handlerType.ts';
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
}

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
  if (file === project.entry) {
    const handler = checkHandlerType(program, sourceFile, project.envFile);
    ruleDiagnostics = handler.diagnostics;
    covered = handler.covered;
  }
  const restates = (d: ts.Diagnostic) =>
    d.start !== undefined && ASSIGNABILITY_CODES.has(d.code) && covered.some((range) => d.start! >= range.start && d.start! < range.end);

  const result: WorkerDiagnostic[] = [];
  for (const d of ruleDiagnostics) result.push(convert(sourceFile, file, d.start, d.length, d.category, d.code, d.message));
  for (const d of tsDiagnostics) {
    if (restates(d)) continue;
    result.push(convert(sourceFile, file, d.start ?? 0, d.length ?? 0, d.category, `ts${d.code}`, ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  }
  return result.sort((a, b) => a.start.line - b.start.line || a.start.character - b.start.character);
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
