/**
 * LSP code actions for the diagnostics a document has: each quick fix a diagnostic carries (WorkerFix, possibly
 * editing another file such as the wrangler config), then "suppress" for Workers rule diagnostics.
 */
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Position, WorkerDiagnostic, WorkerFix } from './diagnostics.ts';
import { isSuppressible, suppressionFix } from './suppression.ts';

export interface ActionDocument {
  /** The URI the client knows the document by (edits to it use this exact string). */
  uri: string;
  fileName: string;
  text: string;
}

/**
 * Code actions for the diagnostics (of `document`) that touch `range`; `toLsp` gives each diagnostic as it was
 * published, so the client can tie the action to it.
 */
export function codeActionsFor(document: ActionDocument, diagnostics: readonly WorkerDiagnostic[], range: Range, toLsp: (d: WorkerDiagnostic) => Diagnostic): CodeAction[] {
  const touching = diagnostics.filter((d) => before(d.start, range.end, true) && before(range.start, d.end, true));
  const actions: CodeAction[] = [];
  for (const diagnostic of touching) {
    diagnostic.fixes?.forEach((fix, index) => actions.push(action(fix, toLsp(diagnostic), document, index === 0)));
  }
  let sourceFile: ts.SourceFile | undefined;
  for (const diagnostic of touching) {
    if (!isSuppressible(diagnostic)) continue;
    sourceFile ??= ts.createSourceFile(document.fileName, document.text, ts.ScriptTarget.Latest, true);
    const fix = suppressionFix(sourceFile, diagnostic);
    if (fix) actions.push(action(fix, toLsp(diagnostic), document, false));
  }
  return actions;
}

function action(fix: WorkerFix, diagnostic: Diagnostic, document: ActionDocument, isPreferred: boolean): CodeAction {
  return { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred, edit: workspaceEdit(fix, document) };
}

/** The fix's edits grouped by file URI (the document's own URI as the client sent it). */
function workspaceEdit(fix: WorkerFix, document: ActionDocument): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const edit of fix.edits) {
    const uri = edit.file === document.fileName ? document.uri : pathToFileURL(edit.file).href;
    (changes[uri] ??= []).push({ range: { start: edit.start, end: edit.end }, newText: edit.newText });
  }
  return { changes };
}

function before(a: Position, b: Position, orEqual: boolean): boolean {
  return a.line < b.line || (a.line === b.line && (orEqual ? a.character <= b.character : a.character < b.character));
}
