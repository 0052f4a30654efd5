/**
 * The request panel: a webview view in the Worker Studio activity-bar container (client/webview/ is its page).
 * This side routes the panel's typed messages (common/protocol.ts): sends requests to the running worker with the
 * picked environment's variables, links each answer to its RequestRecord, keeps history and saved requests
 * (panel/store.ts), copies cURL, fires triggers. `workerStudio.showRequestInPanel` shows an exchange sent elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { curlOf, fromSendParams, toSendParams } from '../../common/panelRequest.ts';
import type { ExtensionToPanel, PanelExchange, PanelRequest, PanelToExtension, SendRequestParams, SendRequestResult } from '../../common/protocol.ts';
import { ENVIRONMENTS_SETTING, panelEnvironmentNames, panelVariables } from './panel/environments.ts';
import { panelHtml } from './panel/html.ts';
import { RecordMatcher } from './panel/records.ts';
import { PanelStore } from './panel/store.ts';
import { panelWorker } from './panel/workerInfo.ts';
import type { Workers } from './workers.ts';
import { runtimeSettings } from './settings.ts';
import { DEFAULT_PORT } from '../../runtime/src/args.ts';

export const REQUEST_PANEL_VIEW_ID = 'workerStudio.requestPanel';
/** Messages kept for a panel that is not showing: the newest few (history has the rest). */
const MAX_PENDING = 20;

/** What `workerStudio.showRequestInPanel` takes: a request sent elsewhere (a .http file) and its answer. */
export interface ShowRequestArgs {
  request: SendRequestParams;
  result?: SendRequestResult;
  error?: string;
}

/** Registers the panel's view provider and the workerStudio.showRequestInPanel command. */
export function registerRequestPanel(context: vscode.ExtensionContext, workers: Workers): vscode.Disposable {
  const provider = new RequestPanelProvider(context.extensionUri, workers, new PanelStore(context.workspaceState));
  return vscode.Disposable.from(
    provider,
    vscode.window.registerWebviewViewProvider(REQUEST_PANEL_VIEW_ID, provider),
    vscode.commands.registerCommand('workerStudio.showRequestInPanel', (args: ShowRequestArgs) => provider.show(args)),
  );
}

class RequestPanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /** Messages for a panel that is not showing yet: delivered once its page says `ready`. */
  private pending: ExtensionToPanel[] = [];
  private ready = false;
  private readonly records: RecordMatcher;
  private readonly subscriptions: vscode.Disposable[];

  private readonly extensionUri: vscode.Uri;
  private readonly workers: Workers;
  private readonly store: PanelStore;

  constructor(extensionUri: vscode.Uri, workers: Workers, store: PanelStore) {
    this.extensionUri = extensionUri;
    this.workers = workers;
    this.store = store;
    this.records = new RecordMatcher(workers.onDidCompleteRequest, workers.onDidChange, () => workers.current()?.id);
    this.subscriptions = [
      this.records,
      workers.onDidChange(() => this.postWorker()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(ENVIRONMENTS_SETTING)) this.postState();
      }),
    ];
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const distUri = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [distUri] };
    view.webview.html = panelHtml(view.webview, distUri);
    const listeners = [
      view.webview.onDidReceiveMessage((message: PanelToExtension) => void this.onMessage(message)),
      // A hidden webview view loses its page; the page says `ready` again when it is shown.
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.ready = false;
      }),
    ];
    view.onDidDispose(() => {
      listeners.forEach((l) => l.dispose());
      if (this.view === view) {
        this.view = undefined;
        this.ready = false;
      }
    });
  }

  /** workerStudio.showRequestInPanel: focuses the panel and shows the exchange (added to history). */
  async show(args: ShowRequestArgs): Promise<void> {
    if (!args?.request || typeof args.request.path !== 'string') throw new Error('workerStudio.showRequestInPanel needs { request: { method, path, … }, result?, error? }');
    const request = fromSendParams(args.request);
    const exchange: PanelExchange = { id: randomUUID(), at: Date.now(), request, ...(args.result ? { result: args.result } : {}), ...(args.error ? { error: args.error } : {}) };
    await this.store.add(exchange);
    this.post({ type: 'load', request });
    this.post({ type: 'exchange', exchange });
    this.linkRecord(exchange);
    // Focusing shows the view (its page loads, says `ready`, and gets the messages kept for it).
    await vscode.commands.executeCommand(`${REQUEST_PANEL_VIEW_ID}.focus`);
  }

  private async onMessage(message: PanelToExtension): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          this.postWorker();
          this.postState({ withHistory: true });
          for (const queued of this.pending.splice(0)) this.post(queued);
          return;
        case 'send':
          return await this.send(message.request);
        case 'copyCurl':
          return await this.copyCurl(message.request);
        case 'pickFile': {
          const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use as request body', defaultUri: this.workerFolder() });
          if (picked?.[0]) this.post({ type: 'filePicked', path: picked[0].fsPath });
          return;
        }
        case 'save':
          await this.store.save(message.name, message.request);
          this.postState();
          this.notice('info', `Saved "${message.name}"`);
          return;
        case 'deleteSaved':
          await this.store.deleteSaved(message.name);
          this.postState();
          return;
        case 'selectEnvironment':
          await this.store.setEnvironment(message.name);
          this.postState();
          return;
        case 'editEnvironments':
          await vscode.commands.executeCommand('workbench.action.openSettings', ENVIRONMENTS_SETTING);
          return;
        case 'clearHistory':
          await this.store.clearHistory();
          this.postState({ withHistory: true });
          return;
        case 'trigger':
          try {
            this.post({ type: 'triggered', event: message.params.event, result: await this.workers.trigger(message.params) });
          } catch (err) {
            this.post({ type: 'triggered', event: message.params.event, error: errorMessage(err) });
          }
          return;
        case 'openLocation':
          return await openLocation(message.location);
      }
    } catch (err) {
      this.notice('error', errorMessage(err));
    }
  }

  private async send(request: PanelRequest): Promise<void> {
    const exchange: PanelExchange = { id: randomUUID(), at: Date.now(), request };
    try {
      const { params, file } = toSendParams(request, panelVariables(this.store.environment()));
      if (file !== undefined) {
        params.body = (await readFile(file)).toString('base64');
        params.bodyEncoding = 'base64';
      }
      exchange.result = await this.workers.send(params);
    } catch (err) {
      exchange.error = errorMessage(err);
    }
    await this.store.add(exchange);
    this.post({ type: 'exchange', exchange });
    this.linkRecord(exchange);
  }

  /** Once the runtime's record of the exchange arrives: to the panel and into history. */
  private linkRecord(exchange: PanelExchange): void {
    const id = exchange.result?.recordId;
    if (id === undefined) return;
    this.records.whenRecorded(id, (record) => {
      void this.store.attachRecord(exchange.id, record);
      this.post({ type: 'record', exchangeId: exchange.id, record });
    });
  }

  private async copyCurl(request: PanelRequest): Promise<void> {
    // No worker runs: the URL one started now would get (the port setting, else the runtime's default).
    const url = this.workers.current()?.info.url ?? `http://127.0.0.1:${runtimeSettings(undefined).port || DEFAULT_PORT}`;
    const { params, file } = toSendParams(request, panelVariables(this.store.environment()));
    const command = curlOf(params, url, file);
    await vscode.env.clipboard.writeText(command);
    this.notice('info', `Copied: ${command}`);
  }

  /** The running worker's folder (its config's, else its entry's): where a body file is looked for first. */
  private workerFolder(): vscode.Uri | undefined {
    const info = this.workers.current()?.info;
    return info ? vscode.Uri.file(path.dirname(info.config ?? info.entry)) : undefined;
  }

  private postWorker(): void {
    // A panel not ready yet gets the worker with `ready` (reading its config for nothing meanwhile).
    if (!this.view || !this.ready) return;
    const worker = this.workers.current();
    this.post({ type: 'worker', worker: worker ? panelWorker(worker.info) : undefined });
  }

  /** The lists; the history only when the page needs it whole (a new page, a cleared history). */
  private postState({ withHistory = false } = {}): void {
    const environments = panelEnvironmentNames();
    const picked = this.store.environment();
    const environment = picked && environments.includes(picked) ? picked : undefined;
    this.post({ type: 'state', ...(withHistory ? { history: this.store.history() } : {}), saved: this.store.saved(), environments, environment });
  }

  private notice(level: 'info' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  private post(message: ExtensionToPanel): void {
    if (!this.view || !this.ready) {
      // Only what the panel cannot rebuild from `ready` (worker, state) waits for it.
      if (message.type === 'exchange' || message.type === 'load' || message.type === 'record') this.pending = [...this.pending, message].slice(-MAX_PENDING);
      return;
    }
    void this.view.webview.postMessage(message);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Opens `file:line:column` (a console line's source) in an editor. */
async function openLocation(location: string): Promise<void> {
  const match = /^(.*?):(\d+)(?::(\d+))?$/.exec(location);
  if (!match) return;
  const position = new vscode.Position(Number(match[2]) - 1, Math.max(0, Number(match[3] ?? 1) - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(match[1]!), { selection: new vscode.Range(position, position), preview: true });
}
