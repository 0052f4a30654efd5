/**
 * The "suppress" quick fix offered on every Workers rule diagnostic: `// worker-studio-ignore-next-line <code>` on
 * the line above (diagnostics.ts honours it), or the code appended to such a comment already there. Not offered where
 * a line comment would change the code: a line that starts inside a multi-line string or template, or in JSX text.
 */
import ts from 'typescript';
import type { WorkerDiagnostic, WorkerFix } from './diagnostics.ts';

const MARKER = 'worker-studio-ignore-next-line';
const EXISTING = /\/\/\s*worker-studio-ignore-next-line\b[^\n]*?(?=\r?\n|$)/;

/** TypeScript's own diagnostics (`ts2322`) are not Workers rules: `// @ts-expect-error` is their suppression. */
export function isSuppressible(diagnostic: WorkerDiagnostic): boolean {
  return !/^ts\d+$/.test(diagnostic.code) && /\.[cm]?[jt]sx?$/.test(diagnostic.file);
}

export function suppressionFix(sourceFile: ts.SourceFile, diagnostic: WorkerDiagnostic): WorkerFix | undefined {
  if (!isSuppressible(diagnostic)) return undefined;
  const lineStarts = sourceFile.getLineStarts();
  const line = diagnostic.start.line;
  const lineStart = lineStarts[line];
  if (lineStart === undefined || startsInsideText(sourceFile, lineStart)) return undefined;
  const title = `Suppress ${diagnostic.code} on this line (// ${MARKER})`;
  const text = sourceFile.text;

  if (line > 0) {
    const previousStart = lineStarts[line - 1]!;
    const previous = EXISTING.exec(text.slice(previousStart, lineStart));
    if (previous) {
      // Only a comment that names codes can take one more; a bare one already silences every rule.
      const end = previousStart + previous.index + previous[0].length;
      return { title, edits: [{ file: diagnostic.file, ...range(sourceFile, end, end), newText: ` ${diagnostic.code}` }] };
    }
  }
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { title, edits: [{ file: diagnostic.file, ...range(sourceFile, lineStart, lineStart), newText: `${indent}// ${MARKER} ${diagnostic.code}${eol}` }] };
}

function range(sourceFile: ts.SourceFile, start: number, end: number): Pick<WorkerFix['edits'][number], 'start' | 'end'> {
  return { start: sourceFile.getLineAndCharacterOfPosition(start), end: sourceFile.getLineAndCharacterOfPosition(end) };
}

/** Whether `offset` (a line start) lies inside a string, template or JSX text spanning lines. */
function startsInsideText(sourceFile: ts.SourceFile, offset: number): boolean {
  let inside = false;
  const visit = (node: ts.Node): void => {
    if (inside || offset <= node.getStart(sourceFile) || offset >= node.getEnd()) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isJsxText(node) || ts.isJsxElement(node) || ts.isJsxFragment(node)) {
      inside = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return inside;
}
