/**
 * The language server's logic: a plain class whose methods handle LSP events (connection.ts only wires them).
 * Every change (re)checks all open documents after a short debounce and pushes their diagnostics, the documents just
 * edited first. The debounce only gathers the changes already on their way (a burst of keystrokes, a multi-file edit):
 * a check runs synchronously, so changes that arrive during one are taken together by the next.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type CodeActionParams,
  type CompletionItem,
  type CompletionParams,
  type DefinitionParams,
  type Diagnostic,
  type DidChangeWatchedFilesParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type Location,
  type TextDocumentChangeEvent,
  type TextDocumentPositionParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_FILE_NAMES } from '../../common/workerProject.ts';
import { codeActionsFor } from './codeActions.ts';
import { diagnoseConfig } from './configDiagnostics.ts';
import { diagnoseFile, type Severity, type WorkerDiagnostic } from './diagnostics.ts';
import { envCompletions } from './editor/completion.ts';
import { bindingDefinition } from './editor/definition.ts';
import { bindingHover } from './editor/hover.ts';
import { ProjectRegistry } from './projects.ts';
import type { TypeCheckProject } from './typeCheck/project.ts';
import type { TypeCheckAssets } from './typeCheck/assets.ts';
import type { DocumentSource } from './typeCheck/host.ts';

export const DIAGNOSTIC_SOURCE = 'worker-studio';
export const CHECK_DEBOUNCE_MS = 20;
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
  /**
   * Open documents by file path (the checker and the config reader ask by path, the client speaks URIs), refreshed on
   * every open, change and close. Configs and `.dev.vars` are served from here too, so unsaved edits count.
   */
  private openFiles = new Map<string, TextDocument>();
  /** Config URIs diagnostics were published for, so a config that no longer has any gets them cleared. */
  private configUris = new Set<string>();
  /** Documents changed since the last check: checked (and published) before the others. */
  private readonly edited = new Set<string>();
  /** The diagnostics last published per URI, with the document version they are for: code actions come from them. */
  private readonly published = new Map<string, { version: number | undefined; diagnostics: WorkerDiagnostic[] }>();

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
    // `initializationOptions.environment`: the [env.<name>] whose bindings make Env (default: the top level).
    const environment = (params.initializationOptions as { environment?: unknown } | undefined)?.environment;
    this.projects.setEnvironment(typeof environment === 'string' && environment !== '' ? environment : undefined);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.'] },
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'worker-studio' },
    };
  }

  didChangeContent(event: TextDocumentChangeEvent<TextDocument>): void {
    this.edited.add(event.document.uri);
    this.syncOpenFiles();
    this.scheduleCheck();
  }

  didClose(event: TextDocumentChangeEvent<TextDocument>): void {
    this.syncOpenFiles();
    // A config keeps its diagnostics while its project is known (the Problems view lists closed files too).
    if (!this.configUris.has(event.document.uri)) this.publish(event.document.uri, [], undefined);
    this.scheduleCheck();
  }

  /**
   * Files changed on disk. A config or `.dev.vars` is re-read before every check anyway (Env follows it without a
   * restart); a tsconfig.json changes compiler options, which only a new program takes.
   */
  didChangeWatchedFiles(params?: DidChangeWatchedFilesParams): void {
    if (!params || params.changes.some((change) => change.uri.endsWith('/tsconfig.json'))) this.projects.reset();
    this.scheduleCheck();
  }

  /**
   * Quick fixes and suppressions for the diagnostics at a range. When the document changed since its diagnostics were
   * published, the pending check runs now, so every edit offered is computed on the text the client has.
   */
  codeAction(params: CodeActionParams): CodeAction[] {
    const uri = params.textDocument.uri;
    // Every action here is a quickfix: asked only for other kinds (`source.organizeImports`), there is nothing to give.
    if (params.context.only && !params.context.only.some((kind) => kind === CodeActionKind.Empty || kind === CodeActionKind.QuickFix)) return [];
    const doc = this.documents.get(uri);
    if (doc && this.timer !== undefined && this.published.get(uri)?.version !== doc.version) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.checkOpenDocuments();
    }
    const published = this.published.get(uri);
    if (!published || !uri.startsWith('file:')) return [];
    const fileName = fileURLToPath(uri);
    const text = doc?.getText() ?? this.projects.readText(fileName) ?? '';
    try {
      return codeActionsFor({ uri, fileName, text }, published.diagnostics, params.range, toLspDiagnostic);
    } catch (err) {
      this.client.log(`worker-studio: code actions in ${fileName} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return [];
    }
  }

  hover(params: HoverParams): Hover | null {
    return this.atPosition(params, 'hover', (project, file, offset) => bindingHover(project, file, offset)) ?? null;
  }

  completion(params: CompletionParams): CompletionItem[] | null {
    return this.atPosition(params, 'completion', (project, file, offset) => envCompletions(project, file, offset)) ?? null;
  }

  definition(params: DefinitionParams): Location | null {
    return this.atPosition(params, 'definition', (project, file, offset) => bindingDefinition(project, file, offset)) ?? null;
  }

  /** Runs an editor request on a JS/TS document of a project; failures are logged, never thrown at the client. */
  private atPosition<T>(params: TextDocumentPositionParams, what: string, run: (project: TypeCheckProject, file: string, offset: number) => T | undefined): T | undefined {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !doc.uri.startsWith('file:') || !CHECKED_LANGUAGES.has(doc.languageId)) return undefined;
    const file = fileURLToPath(doc.uri);
    try {
      this.syncOpenFiles();
      const project = this.projects.projectFor(file);
      project.include(file);
      return run(project, file, doc.offsetAt(params.position));
    } catch (err) {
      this.client.log(`worker-studio: ${what} in ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return undefined;
    }
  }

  private publish(uri: string, diagnostics: WorkerDiagnostic[], version: number | undefined): void {
    if (diagnostics.length === 0 && version === undefined) this.published.delete(uri);
    else this.published.set(uri, { version, diagnostics });
    this.client.publishDiagnostics(uri, diagnostics.map(toLspDiagnostic), version);
  }

  private syncOpenFiles(): void {
    this.openFiles = new Map(this.documents.all().filter((doc) => doc.uri.startsWith('file:')).map((doc) => [fileURLToPath(doc.uri), doc]));
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
    this.syncOpenFiles();
    const files = [...this.openFiles]
      .filter(([, doc]) => CHECKED_LANGUAGES.has(doc.languageId))
      .map(([file, doc]) => ({ doc, file }))
      .sort((a, b) => Number(this.edited.has(b.doc.uri)) - Number(this.edited.has(a.doc.uri)));
    this.edited.clear();
    for (const { file } of files) this.projects.projectFor(file).include(file);
    for (const { file } of this.openConfigs()) this.projects.projectFor(file);
    this.projects.refresh();
    for (const project of this.projects.all()) project.invalidate();
    for (const { doc, file } of files) {
      let diagnostics: WorkerDiagnostic[];
      try {
        diagnostics = diagnoseFile(this.projects.projectFor(file), file);
      } catch (err) {
        this.client.log(`worker-studio: checking ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        continue;
      }
      this.publish(doc.uri, diagnostics, doc.version);
    }
    this.checkConfigs();
  }

  /** Open wrangler configs (whatever language the editor gave them). */
  private openConfigs(): { file: string; doc: TextDocument }[] {
    return [...this.openFiles].filter(([file]) => (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(file))).map(([file, doc]) => ({ file, doc }));
  }

  /** Publishes the diagnostics of every known project's config (open or not), and clears those of configs gone. */
  private checkConfigs(): void {
    const published = new Set<string>();
    for (const configPath of this.projects.configPaths()) {
      const doc = this.openFiles.get(configPath);
      const uri = doc?.uri ?? pathToFileURL(configPath).href;
      let diagnostics: WorkerDiagnostic[];
      try {
        diagnostics = diagnoseConfig(configPath, this.projects.readText);
      } catch (err) {
        this.client.log(`worker-studio: checking ${configPath} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        continue;
      }
      this.publish(uri, diagnostics, doc?.version);
      published.add(uri);
    }
    for (const uri of this.configUris) if (!published.has(uri)) this.publish(uri, [], undefined);
    this.configUris = published;
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
