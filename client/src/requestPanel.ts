/**
 * The request panel: a webview view in the Worker Studio activity-bar container.
 * Compose a method and path, send it to the running worker, see status, time and body.
 * Strict CSP with a per-load random nonce; no remote resources; typed messages (common/protocol.ts).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExtensionToPanel, PanelToExtension } from '../../common/protocol.ts';
import type { Workers } from './workers.ts';

export const REQUEST_PANEL_VIEW_ID = 'workerStudio.requestPanel';

export class RequestPanelProvider implements vscode.WebviewViewProvider {
  private readonly extensionUri: vscode.Uri;
  private readonly workers: Workers;
  private view: vscode.WebviewView | undefined;

  constructor(extensionUri: vscode.Uri, workers: Workers) {
    this.extensionUri = extensionUri;
    this.workers = workers;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const distUri = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [distUri] };
    view.webview.html = this.html(view.webview, vscode.Uri.joinPath(distUri, 'webview.js'));
    const subscriptions = [
      view.webview.onDidReceiveMessage((message: PanelToExtension) => void this.onMessage(message)),
      this.workers.onDidChange(() => this.postWorker()),
    ];
    view.onDidDispose(() => {
      subscriptions.forEach((s) => s.dispose());
      this.view = undefined;
    });
  }

  private async onMessage(message: PanelToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.postWorker();
        return;
      case 'send':
        this.post({ type: 'sending' });
        try {
          this.post({ type: 'response', result: await this.workers.send(message.request) });
        } catch (err) {
          this.post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        }
        return;
    }
  }

  private postWorker(): void {
    this.post({ type: 'worker', url: this.workers.current()?.info.url });
  }

  private post(message: ExtensionToPanel): void {
    void this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, script: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const csp = [`default-src 'none'`, `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
  body { padding: 8px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  form { display: flex; gap: 4px; }
  select, input, button { font: inherit; color: var(--vscode-input-foreground); background: var(--vscode-input-background);
    border: 1px solid var(--vscode-input-border, transparent); padding: 3px 6px; }
  select { flex: 0 0 auto; }
  input { flex: 1; min-width: 0; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button:disabled { opacity: 0.6; cursor: default; }
  #worker { margin: 0 0 8px; color: var(--vscode-descriptionForeground); }
  #status { margin: 8px 0 4px; font-weight: 600; }
  #status.ok { color: var(--vscode-testing-iconPassed); }
  #status.fail { color: var(--vscode-errorForeground); }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--vscode-textCodeBlock-background); padding: 6px; margin: 0;
    font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
</style>
</head>
<body>
  <p id="worker">No worker running. Press F5 to start one.</p>
  <form id="request" aria-label="Request">
    <select id="method" aria-label="Method">${['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => `<option>${m}</option>`).join('')}</select>
    <input id="path" aria-label="Path and query" value="/" spellcheck="false">
    <button id="send" type="submit" title="Send (Ctrl+Enter)" disabled>Send</button>
  </form>
  <div id="status" role="status" aria-live="polite"></div>
  <pre id="body" aria-label="Response body"></pre>
  <script nonce="${nonce}" src="${webview.asWebviewUri(script).toString()}"></script>
</body>
</html>`;
  }
}
