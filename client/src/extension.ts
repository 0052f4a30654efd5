/**
 * Worker Studio's extension entry: wires the language client, the running workers (runtime sidecars), F5 debugging,
 * the request panel and the commands. Extension-lifetime disposables go to context.subscriptions.
 */
import * as vscode from 'vscode';
import type { EvictedParams, RequestRecord, SendRequestParams, SendRequestResult } from '../../common/protocol.ts';
import { registerDebugging } from './debug.ts';
import { registerHttpFiles } from './httpFiles.ts';
import { panelVariables } from './panel/environments.ts';
import { PanelStore } from './panel/store.ts';
import { startLanguageClient } from './languageClient.ts';
import { createLog, showError, type Log } from './log.ts';
import { registerRequestPanel } from './requestPanel.ts';
import { NodePathPolicy, offerRestartOnChange } from './settings.ts';
import { WorkerStatusBar } from './statusBar.ts';
import { refusedUntrusted } from './trust.ts';
import { workerFolders } from './workerPick.ts';
import { Workers } from './workers.ts';
import { registerWorkersView, type WorkersTreeNode } from './workersView.ts';

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
  /** Fires when an instance of a running worker is evicted (on demand, idle, a limit; `reloaded`: it runs new code). */
  onDidEvict: vscode.Event<EvictedParams & { workerId: string }>;
  /** The Workers view's tree: running workers → instances with their figures (read from the sidecar when asked). */
  workersTree: vscode.TreeDataProvider<WorkersTreeNode>;
  /** What the status-bar item shows now. */
  statusBar(): { text: string; tooltip: string; command: string; visible: boolean };
  /** Fires when the status-bar item changes (a worker starting, bundling, loading, running, failing, stopping). */
  onDidChangeStatusBar: vscode.Event<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<WorkerStudioApi> {
  const log = createLog();
  const distDir = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const workers = new Workers(distDir, log, new NodePathPolicy(context.workspaceState));
  const statusBar = new WorkerStatusBar(workers);
  const reportError = (message: string) => void showError(log, message);
  const workersView = registerWorkersView(workers, reportError);
  context.subscriptions.push(
    statusBar,
    workersView.disposable,
    offerRestartOnChange({ runningFolders: () => workers.list().map((w) => ({ id: w.id, folder: w.options.folder })), restart: (id) => workers.restart(id) }, reportError),
    log,
    workers,
    registerDebugging(workers, log),
    // .http requests see the variables of the environment picked in the request panel, after the file's own.
    registerHttpFiles(workers, log, { environment: () => panelVariables(new PanelStore(context.workspaceState).environment()) }),
    registerRequestPanel(context, workers),
    vscode.commands.registerCommand('workerStudio.start', (target?: vscode.Uri | string) => startWithoutDebugging(workers, log, target)),
    vscode.commands.registerCommand('workerStudio.stop', () => workers.stopAll()),
    vscode.commands.registerCommand('workerStudio.sendRequest', (params?: SendRequestParams) => sendRequest(workers, params)),
    vscode.commands.registerCommand('workerStudio.showOutput', () => log.show()),
  );

  void hasWorkerFolder().then((found) => vscode.commands.executeCommand('setContext', 'workerStudio.workerFolder', found));

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
    onDidEvict: workers.onDidEvict,
    workersTree: workersView.provider,
    statusBar: () => statusBar.shown,
    onDidChangeStatusBar: statusBar.onDidChange,
  };
}

/** Whether the workspace holds a wrangler config, at any depth: F5 then runs a worker (see the f5 keybinding). */
async function hasWorkerFolder(): Promise<boolean> {
  return (await workerFolders()).length > 0;
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the workers and the language client.
}

/** Runs the worker of `target` (a folder with a wrangler config, or an entry file; tests, other extensions), else of the first folder. */
async function startWithoutDebugging(workers: Workers, log: Log, target?: vscode.Uri | string): Promise<void> {
  const uri = typeof target === 'string' ? vscode.Uri.file(target) : target;
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
  const path = uri?.fsPath ?? folder?.uri.fsPath;
  if (refusedUntrusted('run the worker')) return;
  if (!path) {
    void vscode.window.showErrorMessage('Open a folder with a wrangler.toml / wrangler.json(c) to run a worker.');
    return;
  }
  try {
    // The status bar shows its progress and then its URL (the settings of its folder apply: see Workers.start).
    await workers.start({ target: path, inspect: false, folder });
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
