/**
 * Problems of open .http files in the Problems view, as you type: request lines and headers that cannot be read, and
 * {{var}} that nothing defines — the same errors Send Request would report, shown before you press it.
 */
import * as vscode from 'vscode';
import type { HttpFile, HttpFileProblem } from '../../common/httpFile.ts';
import { HttpVariableError, resolveRequest } from '../../common/httpFileVariables.ts';

export const HTTP_DIAGNOSTIC_SOURCE = 'worker-studio-http';

export class HttpFileDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(HTTP_DIAGNOSTIC_SOURCE);
  private readonly subscriptions: vscode.Disposable[];
  private readonly languageId: string;
  private readonly parse: (text: string) => HttpFile;
  private readonly environment: () => Readonly<Record<string, string>> | undefined;

  constructor(languageId: string, parse: (text: string) => HttpFile, environment: () => Readonly<Record<string, string>> | undefined) {
    this.languageId = languageId;
    this.parse = parse;
    this.environment = environment;
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.update(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.collection.delete(document.uri)),
      // Environments live in Worker Studio's settings: a {{var}} may become defined, or stop being.
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('workerStudio')) vscode.workspace.textDocuments.forEach((document) => this.update(document));
      }),
    ];
    vscode.workspace.textDocuments.forEach((document) => this.update(document));
  }

  private update(document: vscode.TextDocument): void {
    if (document.languageId !== this.languageId) return;
    const file = this.parse(document.getText());
    const problems = [...file.problems, ...this.variableProblems(file)];
    this.collection.set(
      document.uri,
      problems.map((problem) => {
        const diagnostic = new vscode.Diagnostic(document.lineAt(problem.line).range, problem.message, vscode.DiagnosticSeverity.Error);
        diagnostic.source = HTTP_DIAGNOSTIC_SOURCE;
        return diagnostic;
      }),
    );
  }

  /** The first unresolvable {{var}} of each request (resolving stops there, as sending would). */
  private variableProblems(file: HttpFile): HttpFileProblem[] {
    const environment = this.environment();
    const problems: HttpFileProblem[] = [];
    for (const request of file.requests) {
      try {
        resolveRequest(file, request, environment ? { environment } : {});
      } catch (err) {
        if (!(err instanceof HttpVariableError)) throw err;
        if (!problems.some((p) => p.line === err.line && p.message === err.message)) problems.push({ line: err.line, message: err.message });
      }
    }
    return problems;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
  }
}
