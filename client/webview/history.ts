/**
 * The workspace's history of exchanges (newest first) and its saved requests. Picking one puts its request into the
 * form and, for history, shows its answer again. The lists come from the extension (workspaceState).
 */
import type { PanelExchange, PanelRequest, SavedRequest } from '../../common/protocol.ts';
import { h, icon, replaceChildren } from './dom.ts';
import { post } from './messaging.ts';

export class HistoryView {
  readonly element: HTMLElement;
  private readonly historyList: HTMLElement;
  private readonly savedList: HTMLElement;
  private history: PanelExchange[] = [];
  private readonly onPick: (exchange: PanelExchange) => void;
  private readonly onLoad: (request: PanelRequest) => void;

  constructor(onPick: (exchange: PanelExchange) => void, onLoad: (request: PanelRequest) => void, currentRequest: () => PanelRequest) {
    this.onPick = onPick;
    this.onLoad = onLoad;
    this.historyList = h('ol', { id: 'history', class: 'list', 'aria-label': 'History' });
    this.savedList = h('ul', { id: 'saved', class: 'list', 'aria-label': 'Saved requests' });
    const saveName = h('input', { id: 'save-name', placeholder: 'Name', 'aria-label': 'Name to save the request under', spellcheck: 'false' });
    const save = () => {
      const name = saveName.value.trim();
      if (!name) return saveName.focus();
      post({ type: 'save', name, request: currentRequest() });
      saveName.value = '';
    };
    saveName.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        save();
      }
    });
    this.element = h(
      'div',
      { class: 'history' },
      h(
        'details',
        { id: 'saved-section', open: true },
        h('summary', {}, 'Saved requests'),
        h('div', { class: 'row' }, saveName, h('button', { id: 'save', type: 'button', class: 'secondary', title: 'Save the request in the form under this name', onclick: save }, icon('star'), ' Save')),
        this.savedList,
      ),
      h(
        'details',
        { id: 'history-section', open: true },
        h('summary', {}, 'History'),
        this.historyList,
        h('button', { id: 'clear-history', type: 'button', class: 'secondary', onclick: () => post({ type: 'clearHistory' }) }, 'Clear history'),
      ),
    );
  }

  setHistory(history: PanelExchange[]): void {
    this.history = history;
    this.renderHistory();
  }

  /** A new exchange goes on top (the extension has stored it too). */
  add(exchange: PanelExchange): void {
    this.history = [exchange, ...this.history.filter((e) => e.id !== exchange.id)];
    this.renderHistory();
  }

  attachRecord(exchangeId: string, record: PanelExchange['record']): void {
    this.history = this.history.map((e) => (e.id === exchangeId && record ? { ...e, record } : e));
  }

  setSaved(saved: SavedRequest[]): void {
    replaceChildren(
      this.savedList,
      ...saved.map((s) =>
        h(
          'li',
          { class: 'saved-entry' },
          h('button', { type: 'button', class: 'saved-item link', title: `${s.request.method} ${s.request.path}`, onclick: () => this.onLoad(s.request) }, h('span', { class: 'method' }, s.request.method), ` ${s.name}`),
          h('button', { type: 'button', class: 'saved-delete icon-button', title: `Delete "${s.name}"`, 'aria-label': `Delete saved request ${s.name}`, onclick: () => post({ type: 'deleteSaved', name: s.name }) }, icon('close')),
        ),
      ),
    );
    if (saved.length === 0) this.savedList.appendChild(h('li', { class: 'muted' }, 'Nothing saved yet.'));
  }

  private renderHistory(): void {
    replaceChildren(
      this.historyList,
      ...this.history.map((e) => {
        const outcome = e.result ? String(e.result.status) : 'failed';
        const failed = !e.result || e.result.status >= 400;
        return h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'history-item link', 'data-id': e.id, title: `${new Date(e.at).toLocaleString()}${e.error ? ` — ${e.error}` : ''}`, onclick: () => this.onPick(e) },
            h('span', { class: 'method' }, e.request.method),
            h('span', { class: 'history-path' }, ` ${e.request.path} `),
            h('span', { class: failed ? 'history-status fail' : 'history-status ok' }, outcome),
          ),
        );
      }),
    );
    if (this.history.length === 0) this.historyList.appendChild(h('li', { class: 'muted' }, 'No requests yet.'));
  }
}
