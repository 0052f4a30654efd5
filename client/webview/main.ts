/** The request panel's script (runs in the webview). Talks to the extension only through typed messages. */
import type { ExtensionToPanel, PanelToExtension } from '../../common/protocol.ts';

declare function acquireVsCodeApi(): { postMessage(message: PanelToExtension): void };

const vscode = acquireVsCodeApi();
const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>('request');
const method = element<HTMLSelectElement>('method');
const pathInput = element<HTMLInputElement>('path');
const send = element<HTMLButtonElement>('send');
const worker = element<HTMLParagraphElement>('worker');
const status = element<HTMLDivElement>('status');
const body = element<HTMLPreElement>('body');

form.addEventListener('submit', (event) => {
  event.preventDefault();
  vscode.postMessage({ type: 'send', request: { method: method.value, path: pathInput.value || '/' } });
});
form.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
});

window.addEventListener('message', (event: MessageEvent<ExtensionToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'worker':
      worker.textContent = message.url ? `Worker: ${message.url}` : 'No worker running. Press F5 to start one.';
      send.disabled = !message.url;
      break;
    case 'sending':
      status.textContent = 'Sending…';
      status.className = '';
      break;
    case 'response': {
      const { result } = message;
      status.textContent = `${result.status} ${result.statusText} · ${result.wallMs.toFixed(1)} ms · ${new Blob([result.body]).size} B`;
      status.className = result.status < 400 ? 'ok' : 'fail';
      body.textContent = result.body;
      break;
    }
    case 'error':
      status.textContent = message.message;
      status.className = 'fail';
      body.textContent = '';
      break;
  }
});

vscode.postMessage({ type: 'ready' });
