/**
 * Worker Studio's extension entry: wires the language client, the running workers (runtime sidecars), F5 debugging,
 * the request panel and the commands. Extension-lifetime disposables go to context.subscriptions.
 */
import * as vscode from 'vscode';
import type { RequestRecord, SendRequestParams, SendRequestResult } from '../../common/protocol.ts';
import { findConfigFile } from '../../common/workerProject.ts';
import { registerDebugging } from './debug.ts';
import { startLanguageClient } from './languageClient.ts';
import { createLog, showError, type Log } from './log.ts';
import { REQUEST_PANEL_VIEW_ID, RequestPanelProvider } from './requestPanel.ts';
import { Workers } from './workers.ts';

/** What the extension exports to other extensions (and to its E2E tests). */
export interface WorkerStudioApi {
  /** URL of the worker commands act on, if one runs. */
  workerUrl(): string | undefined;
  /** The running workers: their URL and sidecar process id. */
  workers(): { url: string; pid: number | undefined }[];
  /** Fires when a worker starts or has stopped (its process has exited). */
  onDidChangeWorkers: vscode.Event<void>;
  /** Fires for every request a running worker finished. */
  onDidCompleteRequest: vscode.Event<RequestRecord>;
}

export async function activate(context: vscode.ExtensionContext): Promise<WorkerStudioApi> {
  const log = createLog();
  const distDir = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const workers = new Workers(distDir, log);
  context.subscriptions.push(
    log,
    workers,
    registerDebugging(workers, log),
    vscode.window.registerWebviewViewProvider(REQUEST_PANEL_VIEW_ID, new RequestPanelProvider(context.extensionUri, workers)),
    vscode.commands.registerCommand('workerStudio.start', (target?: vscode.Uri | string) => startWithoutDebugging(workers, log, target)),
    vscode.commands.registerCommand('workerStudio.stop', () => workers.stopAll()),
    vscode.commands.registerCommand('workerStudio.sendRequest', (params?: SendRequestParams) => sendRequest(workers, params)),
    vscode.commands.registerCommand('workerStudio.showOutput', () => log.show()),
  );

  void vscode.commands.executeCommand('setContext', 'workerStudio.workerFolder', hasWorkerFolder());

  // The language server runs no user code: it starts in untrusted workspaces too.
  try {
    const client = await startLanguageClient(distDir, log);
    context.subscriptions.push({ dispose: () => void client.stop() });
  } catch (err) {
    void showError(log, `Worker Studio's language server failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }

  return {
    workerUrl: () => workers.current()?.info.url,
    workers: () => workers.list().map((w) => ({ url: w.info.url, pid: w.sidecar.pid })),
    onDidChangeWorkers: workers.onDidChange,
    onDidCompleteRequest: workers.onDidCompleteRequest,
  };
}

/** Whether a workspace folder holds a wrangler config: F5 then runs the worker (see the f5 keybinding). */
function hasWorkerFolder(): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some((folder) => findConfigFile(folder.uri.fsPath) !== undefined);
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the workers and the language client.
}

/** Runs the worker of `target` (a folder with a wrangler config, or an entry file; tests, other extensions), else of the first folder. */
async function startWithoutDebugging(workers: Workers, log: Log, target?: vscode.Uri | string): Promise<void> {
  const uri = typeof target === 'string' ? vscode.Uri.file(target) : target;
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
  const path = uri?.fsPath ?? folder?.uri.fsPath;
  if (!path) {
    void vscode.window.showErrorMessage('Open a folder with a wrangler.toml / wrangler.json(c) to run a worker.');
    return;
  }
  const port = vscode.workspace.getConfiguration('workerStudio', folder?.uri).get<number>('port', 0);
  try {
    const worker = await workers.start({ target: path, port, inspect: false, folder });
    void vscode.window.showInformationMessage(`Worker running on ${worker.info.url}`);
  } catch (err) {
    void showError(log, `Could not start the worker: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** With params (tests, other extensions, the panel): sends and returns the result. Without: asks for method and path. */
async function sendRequest(workers: Workers, params?: SendRequestParams): Promise<SendRequestResult | undefined> {
  let request = params;
  if (!request) {
    const line = await vscode.window.showInputBox({ prompt: 'Request to send to the worker', value: 'GET /', placeHolder: 'METHOD /path?query' });
    if (!line) return undefined;
    const [method = 'GET', path = '/'] = line.trim().split(/\s+/);
    request = { method: method.toUpperCase(), path };
  }
  return workers.send(request);
}
