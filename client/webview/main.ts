/**
 * The request panel's page (runs in the webview). Lays out the parts — compose.ts (the request), tools.ts
 * (environment, cURL, other handlers), response.ts (the answer, its timeline and console), history.ts — and routes
 * the extension's typed messages (common/protocol.ts) to them. Ctrl/Cmd+Enter sends from anywhere in the panel.
 */
import type { ExtensionToPanel, PanelExchange, PanelRequest } from '../../common/protocol.ts';
import { Composer, EMPTY_REQUEST } from './compose.ts';
import { h } from './dom.ts';
import { HistoryView } from './history.ts';
import { post, savedDraft, saveDraft } from './messaging.ts';
import './panel.css';
import { ResponseView } from './response.ts';
import { CurlTools, EnvironmentPicker, EventButtons } from './tools.ts';

const composer = new Composer(send, () => saveDraft({ request: composer.read() }));
const response = new ResponseView();
const environment = new EnvironmentPicker();
const events = new EventButtons();
const curl = new CurlTools(load, () => composer.read());
const history = new HistoryView(showFromHistory, load, () => composer.read());
const worker = h('p', { id: 'worker', class: 'muted' }, 'No worker running. Press F5 or run "Worker Studio: Start Worker".');
const notice = h('p', { id: 'notice', role: 'status', 'aria-live': 'polite' });
/** Set once the first `state` has been handled: a reloaded page shows the newest exchange again. */
let restored = false;

document.getElementById('panel')!.append(worker, environment.element, composer.form, composer.extras, curl.element, events.element, notice, response.element, history.element);
composer.fill(savedDraft<{ request?: PanelRequest }>()?.request ?? EMPTY_REQUEST);

function send(): void {
  if (composer.sendButton.disabled) return;
  response.sending();
  post({ type: 'send', request: composer.read() });
}

function load(request: PanelRequest): void {
  composer.fill(request);
  saveDraft({ request });
}

function showFromHistory(exchange: PanelExchange): void {
  load(exchange.request);
  response.show(exchange);
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    send();
  }
});

window.addEventListener('message', (event: MessageEvent<ExtensionToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'worker':
      worker.textContent = message.worker ? `Worker: ${message.worker.url}` : 'No worker running. Press F5 or run "Worker Studio: Start Worker".';
      composer.setWorker(message.worker !== undefined);
      events.setWorker(message.worker);
      break;
    case 'state':
      if (message.history) history.setHistory(message.history);
      history.setSaved(message.saved);
      environment.set(message.environments, message.environment);
      if (!restored && message.history?.[0]) response.show(message.history[0]);
      restored = true;
      break;
    case 'exchange':
      history.add(message.exchange);
      response.show(message.exchange);
      break;
    case 'record':
      history.attachRecord(message.exchangeId, message.record);
      response.showRecord(message.exchangeId, message.record);
      break;
    case 'load':
      load(message.request);
      break;
    case 'filePicked':
      composer.setFile(message.path);
      break;
    case 'triggered':
      events.showResult(message.event, message.result, message.error);
      break;
    case 'notice':
      notice.textContent = message.message;
      notice.className = message.level === 'error' ? 'fail' : '';
      break;
  }
});

post({ type: 'ready' });
