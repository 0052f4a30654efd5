// For bench/languageServer.ts: any LSP server spawned over stdio, driven as an editor drives it, with a wait for the
// diagnostics it publishes (events, no polling).
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

interface Waiter {
  uri: string;
  predicate: (diagnostics: Diagnostic[]) => boolean;
  resolve: (at: number) => void;
}

export class LspSession {
  private readonly child: ChildProcess;
  private readonly connection: ProtocolConnection;
  private readonly waiters: Waiter[] = [];
  private readonly exited: Promise<void>;
  readonly stderr: string[] = [];

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
      const at = performance.now();
      for (const waiter of [...this.waiters]) {
        if (waiter.uri === params.uri && waiter.predicate(params.diagnostics)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(at);
        }
      }
    });
    this.connection.listen();
  }

  async initialize(root: string): Promise<void> {
    const rootUri = pathToFileURL(root).href;
    await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'bench' }],
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { didSave: false } } },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  /** Resolves with the time (performance.now()) of the first publication for `uri` that satisfies `predicate`. */
  diagnostics(uri: string, predicate: (diagnostics: Diagnostic[]) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ uri, predicate, resolve }));
  }

  open(uri: string, text: string): Promise<void> {
    return this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text } });
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  async close(): Promise<void> {
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // Gone already.
    }
    const timeout = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timeout);
    this.connection.dispose();
  }
}

/** A diagnostic with TypeScript error `code` on `line`, whether the server writes the code as 2322 or "ts2322". */
export function hasTsError(diagnostics: Diagnostic[], code: number, line: number): boolean {
  return diagnostics.some((d) => String(d.code).replace(/^ts/, '') === String(code) && d.range.start.line === line);
}
