/**
 * The snapshot of an open document given to TypeScript. It can say what changed since an older snapshot (the span
 * between the common prefix and the common suffix), which lets TypeScript re-parse an edited file incrementally,
 * reusing the syntax tree outside the edit, instead of parsing the whole file again on every keystroke.
 */
import ts from 'typescript';

export class DocumentSnapshot implements ts.IScriptSnapshot {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  getText(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  getLength(): number {
    return this.text.length;
  }

  getChangeRange(oldSnapshot: ts.IScriptSnapshot): ts.TextChangeRange | undefined {
    const before = oldSnapshot instanceof DocumentSnapshot ? oldSnapshot.text : oldSnapshot.getText(0, oldSnapshot.getLength());
    const after = this.text;
    const shorter = Math.min(before.length, after.length);
    let prefix = 0;
    while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
    return ts.createTextChangeRange(ts.createTextSpan(prefix, before.length - prefix - suffix), after.length - prefix - suffix);
  }
}
