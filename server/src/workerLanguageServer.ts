/**
 * The language server's logic: a plain class whose methods handle LSP events (connection.ts only wires them).
 * Every change (re)checks all open documents after a short debounce and pushes their diagnostics.
 */
import { fileURLToPath } from 'node:url';
import {
  DiagnosticSeverity,
  TextDocumentSyncKind,
  TextDocuments,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentChangeEvent,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnoseFile, type Severity, type WorkerDiagnostic } from './diagnostics.ts';
import { ProjectRegistry } from './projects.ts';
import type { TypeCheckAssets } from './typeCheck/assets.ts';
import type { DocumentSource } from './typeCheck/host.ts';

export const DIAGNOSTIC_SOURCE = 'worker-studio';
export const CHECK_DEBOUNCE_MS = 150;
const CHECKED_LANGUAGES = new Set(['typescript', 'javascript', 'typescriptreact', 'javascriptreact']);

export interface LanguageServerClient {
  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version: number | undefined): void;
  log(message: string): void;
}

export class WorkerLanguageServer {
  readonly documents = new TextDocuments(TextDocument);
  private readonly client: LanguageServerClient;
  private readonly projects: ProjectRegistry;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Open documents by file path, refreshed before each check (the checker asks by path, the client speaks URIs). */
  private openFiles = new Map<string, TextDocument>();

  constructor(client: LanguageServerClient, assets: TypeCheckAssets) {
    this.client = client;
    const source: DocumentSource = {
      get: (fileName) => {
        const doc = this.openFiles.get(fileName);
        return doc && { text: doc.getText(), version: doc.version };
      },
    };
    this.projects = new ProjectRegistry(assets, source, (message) => client.log(message));
  }

  initialize(params: InitializeParams): InitializeResult {
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.projects.setWorkspaceRoots(folders.filter((uri) => uri.startsWith('file:')).map((uri) => fileURLToPath(uri)));
    return {
      capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } },
      serverInfo: { name: 'worker-studio' },
    };
  }

  didChangeContent(_event: TextDocumentChangeEvent<TextDocument>): void {
    this.scheduleCheck();
  }

  didClose(event: TextDocumentChangeEvent<TextDocument>): void {
    this.client.publishDiagnostics(event.document.uri, [], undefined);
    this.scheduleCheck();
  }

  /** A wrangler config or a file on disk changed: rebuild the projects and recheck. */
  didChangeWatchedFiles(): void {
    this.projects.reset();
    this.scheduleCheck();
  }

  shutdown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleCheck(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.checkOpenDocuments();
    }, CHECK_DEBOUNCE_MS);
  }

  /** Checks every open document: an edit in one file can change the diagnostics of the entry that imports it. */
  checkOpenDocuments(): void {
    const open = this.documents.all().filter((doc) => doc.uri.startsWith('file:') && CHECKED_LANGUAGES.has(doc.languageId));
    const files = open.map((doc) => ({ doc, file: fileURLToPath(doc.uri) }));
    this.openFiles = new Map(files.map(({ doc, file }) => [file, doc]));
    for (const { file } of files) this.projects.projectFor(file).include(file);
    for (const project of this.projects.all()) project.invalidate();
    for (const { doc, file } of files) {
      let diagnostics: WorkerDiagnostic[];
      try {
        diagnostics = diagnoseFile(this.projects.projectFor(file), file);
      } catch (err) {
        this.client.log(`worker-studio: checking ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        continue;
      }
      this.client.publishDiagnostics(doc.uri, diagnostics.map(toLspDiagnostic), doc.version);
    }
  }
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: WorkerDiagnostic): Diagnostic {
  return { range: { start: d.start, end: d.end }, severity: SEVERITY[d.severity], source: DIAGNOSTIC_SOURCE, code: d.code, message: d.message };
}
