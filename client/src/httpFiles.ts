/**
 * .http / .rest files in the editor: a "Send Request" code lens above each request that sends it to the running worker
 * and shows the exchange in the request panel (workerStudio.showRequestInPanel). With no worker running the lens says
 * so and runs workerStudio.start for the file's worker folder instead. Parsing, {{var}} substitution and where a URL
 * may go are pure modules in common/ (httpFile*.ts); this file only wires them to VS Code.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { formatProblem, parseHttpFile, requestAt, type HttpFile } from '../../common/httpFile.ts';
import { sendParamsFor } from '../../common/httpFileTarget.ts';
import { HttpVariableError, resolveRequest } from '../../common/httpFileVariables.ts';
import type { SendRequestParams, SendRequestResult } from '../../common/protocol.ts';
import { HttpFileDiagnostics } from './httpFileDiagnostics.ts';
import { showError, type Log } from './log.ts';
import { workerFolderOf, workerFolders } from './workerPick.ts';
import type { Workers } from './workers.ts';

export const HTTP_LANGUAGE_ID = 'http';
/** Run by the lens with (document URI, request line); also usable by tests and keybindings. */
export const SEND_HTTP_REQUEST_COMMAND = 'workerStudio.sendHttpRequest';
/** Helper PANEL's command: focuses the request panel and shows this exchange. */
const SHOW_IN_PANEL_COMMAND = 'workerStudio.showRequestInPanel';

/** What a Send Request did: the request as sent, and its result or why there is none. Also what the panel is shown. */
export interface HttpRequestOutcome {
  /** Absent when the request could not be built (an unknown variable, no request at that line). */
  request?: SendRequestParams;
  result?: SendRequestResult;
  error?: string;
}

export interface HttpFilesOptions {
  /** The variables of the environment the request panel has selected, if any: used after the file's own. */
  environment?: () => Readonly<Record<string, string>> | undefined;
}

export function registerHttpFiles(workers: Workers, log: Log, options: HttpFilesOptions = {}): vscode.Disposable {
  const lenses = new SendRequestLenses(workers);
  return vscode.Disposable.from(
    lenses,
    vscode.languages.registerCodeLensProvider({ language: HTTP_LANGUAGE_ID }, lenses),
    vscode.commands.registerCommand(SEND_HTTP_REQUEST_COMMAND, (uri: vscode.Uri, line: number) => sendHttpRequest(workers, log, options, uri, line)),
    new HttpFileDiagnostics(HTTP_LANGUAGE_ID, (text) => parseHttpFile(text), () => options.environment?.()),
  );
}

class SendRequestLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** The titles say whether a worker runs: they change when one starts or stops. */
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly workers: Workers;

  constructor(workers: Workers) {
    this.workers = workers;
    this.subscription = workers.onDidChange(() => this.changed.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const { requests } = parseHttpFile(document.getText());
    if (requests.length === 0) return [];
    const worker = this.workers.current();
    const start = worker ? undefined : await startCommandFor(document.uri);
    return requests.map((request) => {
      const range = new vscode.Range(request.line, 0, request.line, 0);
      if (worker) {
        return new vscode.CodeLens(range, {
          title: '$(play) Send Request',
          tooltip: `${request.method} ${request.url} → the worker on ${worker.info.url}; the answer opens in the request panel`,
          command: SEND_HTTP_REQUEST_COMMAND,
          arguments: [document.uri, request.line],
        });
      }
      return new vscode.CodeLens(range, start);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The lens shown while no worker runs: it says so and starts the worker of the file's folder (or the only one). */
async function startCommandFor(file: vscode.Uri): Promise<vscode.Command> {
  const folder = await folderToStart(file);
  return {
    title: '$(debug-start) No worker running: Start Worker',
    tooltip: folder ? `Start the worker in ${folder}, then send requests from here` : 'Start a worker, then send requests from here',
    command: 'workerStudio.start',
    arguments: folder ? [folder] : [],
  };
}

/** The worker a `.http` file means: its own folder's, else the workspace's only one. */
async function folderToStart(file: vscode.Uri): Promise<string | undefined> {
  const own = workerFolderOf(file);
  if (own) return own.path;
  const folders = await workerFolders();
  return folders.length === 1 ? folders[0]!.path : undefined;
}

/** The lens's command: builds the request at `line`, sends it to the current worker, shows the exchange in the panel. */
async function sendHttpRequest(workers: Workers, log: Log, options: HttpFilesOptions, uri: vscode.Uri, line: number): Promise<HttpRequestOutcome> {
  const document = await vscode.workspace.openTextDocument(uri);
  const label = vscode.workspace.asRelativePath(uri, false) || path.basename(uri.fsPath);
  const file = parseHttpFile(document.getText());
  const built = buildRequest(file, line, label, workers, options);
  if ('error' in built) {
    if (built.noWorker) void offerToStart(built.error, uri);
    else void showError(log, built.error);
    return { error: built.error };
  }
  const outcome: HttpRequestOutcome = { request: built.request };
  try {
    outcome.result = await workers.send(built.request);
    log.info(`${label}:${line + 1}: ${built.request.method} ${built.request.path} → ${outcome.result.status}`);
  } catch (err) {
    outcome.error = `${label}:${line + 1}: ${err instanceof Error ? err.message : String(err)}`;
    void showError(log, outcome.error);
  }
  await showInPanel(outcome, log);
  return outcome;
}

type Built = { request: SendRequestParams } | { error: string; noWorker?: boolean };

function buildRequest(file: HttpFile, line: number, label: string, workers: Workers, options: HttpFilesOptions): Built {
  const request = file.requests.find((r) => r.line === line) ?? requestAt(file, line);
  if (!request) {
    const problem = file.problems.find((p) => p.line === line);
    return { error: problem ? formatProblem(label, problem) : `${label}:${line + 1}: no request here` };
  }
  const worker = workers.current();
  if (!worker) return { error: 'No worker is running: start one to send requests from .http files.', noWorker: true };
  try {
    const environment = options.environment?.();
    const resolved = resolveRequest(file, request, environment ? { environment } : {});
    return { request: sendParamsFor(resolved, worker.info.url) };
  } catch (err) {
    if (err instanceof HttpVariableError) return { error: formatProblem(label, err) };
    return { error: `${label}:${request.line + 1}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function offerToStart(message: string, file: vscode.Uri): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, 'Start Worker');
  if (choice !== 'Start Worker') return;
  const folder = await folderToStart(file);
  await vscode.commands.executeCommand('workerStudio.start', ...(folder ? [folder] : []));
}

/** Hands the exchange to the request panel; the panel is another module's (it may not be registered in every build). */
async function showInPanel(outcome: HttpRequestOutcome, log: Log): Promise<void> {
  try {
    await vscode.commands.executeCommand(SHOW_IN_PANEL_COMMAND, outcome);
  } catch (err) {
    log.warn(`could not show the request in the panel (${SHOW_IN_PANEL_COMMAND}): ${err instanceof Error ? err.message : String(err)}`);
  }
}
