// Unit tests of the suppression quick fix: where the comment goes, and where it is not offered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import type { WorkerDiagnostic } from './diagnostics.ts';
import { suppressionFix } from './suppression.ts';

const FILE = '/w/src/index.ts';

function fixAt(text: string, line: number, code = 'floating-promise'): string | undefined {
  const sourceFile = ts.createSourceFile(FILE, text, ts.ScriptTarget.Latest, true);
  const diagnostic: WorkerDiagnostic = { file: FILE, start: { line, character: 4 }, end: { line, character: 8 }, severity: 'warning', code, message: '' };
  const fix = suppressionFix(sourceFile, diagnostic);
  if (!fix) return undefined;
  const [edit] = fix.edits;
  const offset = (p: { line: number; character: number }) => sourceFile.getPositionOfLineAndCharacter(p.line, p.character);
  return text.slice(0, offset(edit!.start)) + edit!.newText + text.slice(offset(edit!.end));
}

describe('suppressionFix', () => {
  it('puts the comment on its own line above, indented like the line', () => {
    assert.equal(fixAt('function f() {\n    go();\n}\n', 1), 'function f() {\n    // worker-studio-ignore-next-line floating-promise\n    go();\n}\n');
  });

  it('adds the code to a comment already above', () => {
    const text = 'function f() {\n  // worker-studio-ignore-next-line mutable-global-state\n  go();\n}\n';
    assert.equal(fixAt(text, 2), 'function f() {\n  // worker-studio-ignore-next-line mutable-global-state floating-promise\n  go();\n}\n');
  });

  it('keeps CRLF line ends', () => {
    assert.equal(fixAt('f();\r\n  go();\r\n', 1), 'f();\r\n  // worker-studio-ignore-next-line floating-promise\r\n  go();\r\n');
  });

  it('is not offered for TypeScript errors, or where a comment would land inside a template', () => {
    assert.equal(fixAt('f();\n  go();\n', 1, 'ts2322'), undefined);
    assert.equal(fixAt('const s = `a\n    ${go()}`;\n', 1), undefined);
  });
});
