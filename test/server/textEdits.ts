// Applying an LSP WorkspaceEdit as an editor would: to the text of an open document, or to a file on disk.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Position, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';

export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: Position) => lineStarts[p.line]! + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let result = text;
  for (const edit of sorted) result = result.slice(0, offset(edit.range.start)) + edit.newText + result.slice(offset(edit.range.end));
  return result;
}

/** Applies the edits for `uri` to `text` and returns it; edits to other files are written to disk. */
export function applyWorkspaceEdit(edit: WorkspaceEdit, open: { uri: string; text: string }): string {
  let text = open.text;
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
    if (uri === open.uri) text = applyTextEdits(text, edits);
    else writeFileSync(fileURLToPath(uri), applyTextEdits(readFileSync(fileURLToPath(uri), 'utf8'), edits));
  }
  return text;
}
