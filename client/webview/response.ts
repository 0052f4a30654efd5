/**
 * The answer to the current exchange: status, time and size, then tabs for the body (pretty: a JSON tree, an HTML
 * preview in a sandboxed frame, an image; or raw), the headers, the timeline (waterfall.ts) and the console lines.
 * `#response[data-state]` says where it is (idle, sending, done, error) and `data-exchange` which exchange it shows.
 */
import type { PanelExchange, RequestRecord, SendRequestResult } from '../../common/protocol.ts';
import { formatBytes, formatMs, h, replaceChildren } from './dom.ts';
import { htmlPreview } from './htmlPreview.ts';
import { jsonTree } from './jsonTree.ts';
import { consoleLines, waterfall } from './waterfall.ts';

type Tab = 'body' | 'headers' | 'timeline' | 'console';
const TABS: [Tab, string][] = [['body', 'Body'], ['headers', 'Headers'], ['timeline', 'Timeline'], ['console', 'Console']];

export class ResponseView {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly viewMode: HTMLSelectElement;
  private readonly tabs = new Map<Tab, { tab: HTMLButtonElement; pane: HTMLElement }>();
  private exchange: PanelExchange | undefined;

  constructor() {
    this.status = h('span', { id: 'status', role: 'status', 'aria-live': 'polite' });
    this.meta = h('span', { id: 'response-meta', class: 'muted' });
    this.viewMode = h('select', { id: 'view-mode', 'aria-label': 'Body view', onchange: () => this.renderBody() }, h('option', { value: 'pretty' }, 'Pretty'), h('option', { value: 'raw' }, 'Raw'));
    const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Response' });
    const panes = h('div', { class: 'panes' });
    for (const [id, label] of TABS) {
      const tab = h('button', { type: 'button', id: `tab-${id}`, role: 'tab', 'aria-controls': `pane-${id}`, onclick: () => this.select(id), onkeydown: (e: Event) => this.arrowKeys(e as KeyboardEvent, id) }, label);
      const pane = h('div', { id: `pane-${id}`, role: 'tabpanel', 'aria-labelledby': `tab-${id}`, class: 'pane' });
      tablist.appendChild(tab);
      panes.appendChild(pane);
      this.tabs.set(id, { tab, pane });
    }
    tablist.appendChild(this.viewMode);
    this.element = h('section', { id: 'response', 'aria-label': 'Response', 'data-state': 'idle' }, h('div', { class: 'status-line' }, this.status, this.meta), tablist, panes);
    this.select('body');
    this.element.hidden = true;
  }

  sending(): void {
    this.element.hidden = false;
    this.element.dataset.state = 'sending';
    this.status.textContent = 'Sending…';
    this.status.className = '';
    this.meta.textContent = '';
  }

  show(exchange: PanelExchange): void {
    this.exchange = exchange;
    this.element.hidden = false;
    this.element.dataset.exchange = exchange.id;
    const result = exchange.result;
    if (!result) {
      this.element.dataset.state = 'error';
      this.status.textContent = exchange.error ?? 'No response';
      this.status.className = 'fail';
      this.meta.textContent = '';
    } else {
      this.element.dataset.state = 'done';
      this.status.textContent = `${result.status} ${result.statusText}`;
      this.status.className = result.status < 400 ? 'ok' : 'fail';
      const size = result.size ?? new TextEncoder().encode(result.body).byteLength;
      replaceChildren(this.meta, h('span', { id: 'time' }, formatMs(result.wallMs)), ' · ', h('span', { id: 'size' }, formatBytes(size)), result.truncated ? ' (cut: only the first part is shown)' : '');
    }
    this.renderBody();
    this.renderHeaders(result);
    this.renderRecord(exchange.record);
  }

  /** The runtime's record of the shown exchange arrived. */
  showRecord(exchangeId: string, record: RequestRecord): void {
    if (this.exchange?.id !== exchangeId) return;
    this.exchange = { ...this.exchange, record };
    this.renderRecord(record);
  }

  /** Selects a tab (also from outside: the E2E driver and keyboard users). */
  select(id: Tab): void {
    for (const [tabId, { tab, pane }] of this.tabs) {
      const selected = tabId === id;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      pane.hidden = !selected;
    }
    this.viewMode.hidden = id !== 'body';
  }

  /** Left/right arrows move between tabs, as the ARIA tabs pattern has it. */
  private arrowKeys(event: KeyboardEvent, current: Tab): void {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const ids = TABS.map(([id]) => id);
    const next = ids[(ids.indexOf(current) + (event.key === 'ArrowRight' ? 1 : ids.length - 1)) % ids.length]!;
    this.select(next);
    this.tabs.get(next)!.tab.focus();
  }

  private pane(id: Tab): HTMLElement {
    return this.tabs.get(id)!.pane;
  }

  private renderBody(): void {
    const result = this.exchange?.result;
    if (!result) return replaceChildren(this.pane('body'), h('pre', { id: 'raw-body', class: 'muted' }, this.exchange?.error ?? ''));
    replaceChildren(this.pane('body'), this.viewMode.value === 'raw' ? rawBody(result) : prettyBody(result));
  }

  private renderHeaders(result: SendRequestResult | undefined): void {
    const rows = (result?.headers ?? []).map(([name, value]) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, value)));
    replaceChildren(this.pane('headers'), h('table', { id: 'response-headers' }, h('tbody', {}, ...rows)));
  }

  private renderRecord(record: RequestRecord | undefined): void {
    const waiting = this.exchange?.result?.recordId !== undefined ? 'Waiting for the runtime’s record of this request (it comes once its waitUntil work is done)…' : 'No timeline: this exchange has no record from the runtime.';
    replaceChildren(this.pane('timeline'), record ? waterfall(record) : h('p', { class: 'muted', id: 'waterfall-pending' }, waiting));
    replaceChildren(this.pane('console'), record ? consoleLines(record) : h('p', { class: 'muted' }, waiting));
  }
}

const contentType = (result: SendRequestResult) => result.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';

function rawBody(result: SendRequestResult): HTMLElement {
  const text = result.bodyEncoding === 'base64' ? `(${formatBytes(result.size ?? 0)} of binary data, base64:)\n${result.body}` : result.body;
  return h('pre', { id: 'raw-body' }, text);
}

function prettyBody(result: SendRequestResult): HTMLElement {
  const type = contentType(result);
  if (result.bodyEncoding === 'base64' && /^image\//i.test(type)) {
    return h('div', { class: 'image-preview' }, h('img', { id: 'image-preview', alt: `Image response (${type})`, src: `data:${type.split(';')[0]};base64,${result.body}` }));
  }
  if (result.bodyEncoding !== 'base64' && /\bhtml\b/i.test(type)) {
    return htmlPreview(result.body);
  }
  if (result.bodyEncoding !== 'base64' && (/\bjson\b/i.test(type) || /^\s*[[{]/.test(result.body))) {
    try {
      return jsonTree(JSON.parse(result.body));
    } catch {
      // not JSON after all (or cut short): raw
    }
  }
  return rawBody(result);
}
