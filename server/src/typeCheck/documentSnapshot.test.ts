// The change ranges DocumentSnapshot reports, and that TypeScript's incremental parse from them equals a full parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { DocumentSnapshot } from './documentSnapshot.ts';

const range = (before: string, after: string) => {
  const r = new DocumentSnapshot(after).getChangeRange(new DocumentSnapshot(before))!;
  return { start: r.span.start, length: r.span.length, newLength: r.newLength };
};

describe('DocumentSnapshot', () => {
  it('reports the span between the common prefix and suffix', () => {
    assert.deepEqual(range('const a = 0;', "const a = 'x';"), { start: 10, length: 1, newLength: 3 });
    assert.deepEqual(range('abc', 'abc'), { start: 3, length: 0, newLength: 0 });
    assert.deepEqual(range('aaa', 'aaaa'), { start: 3, length: 0, newLength: 1 });
    assert.deepEqual(range('', 'x'), { start: 0, length: 0, newLength: 1 });
  });

  it('gives TypeScript an incremental parse that matches a full parse', () => {
    const before = 'function f(a: number) {\n  return a + 1;\n}\nconst b: number = f(2);\n';
    const after = before.replace('a + 1', "a + '1'").replace('f(2)', 'f(3)');
    const oldSnapshot = new DocumentSnapshot(before);
    const newSnapshot = new DocumentSnapshot(after);
    const original = ts.createLanguageServiceSourceFile('x.ts', oldSnapshot, ts.ScriptTarget.Latest, '1', true);
    const updated = ts.updateLanguageServiceSourceFile(original, newSnapshot, '2', newSnapshot.getChangeRange(oldSnapshot));
    const full = ts.createSourceFile('x.ts', after, ts.ScriptTarget.Latest, true);
    const shape = (sf: ts.SourceFile): string[] => {
      const kinds: string[] = [];
      const walk = (n: ts.Node) => {
        kinds.push(`${ts.SyntaxKind[n.kind]}@${n.getStart(sf)}-${n.getEnd()}`);
        ts.forEachChild(n, walk);
      };
      walk(sf);
      return kinds;
    };
    assert.deepEqual(shape(updated), shape(full));
  });
});
