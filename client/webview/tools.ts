/**
 * The panel's tools beside the form: the environment picker for `{{variables}}`, cURL import (parsed here, in the
 * page) and copy (built by the extension, which knows the worker's URL and the variables), and buttons that fire the
 * worker's other handlers (scheduled with a cron, queue with a JSON message) through the sidecar's Trigger.
 */
import { CurlParseError, parseCurl } from '../../common/curl.ts';
import { fromCurl } from '../../common/panelRequest.ts';
import type { PanelRequest, PanelWorker, TriggerParams, TriggerResult } from '../../common/protocol.ts';
import { formatMs, h, icon, replaceChildren } from './dom.ts';
import { post } from './messaging.ts';

export class EnvironmentPicker {
  readonly element: HTMLElement;
  private readonly select: HTMLSelectElement;

  constructor() {
    this.select = h('select', { id: 'environment', 'aria-label': 'Environment for {{variables}}', onchange: () => post({ type: 'selectEnvironment', name: this.select.value || undefined }) });
    this.element = h(
      'div',
      { class: 'row environment' },
      h('label', { for: 'environment', class: 'muted' }, 'Environment'),
      this.select,
      h('button', { id: 'edit-environments', type: 'button', class: 'icon-button', title: 'Edit environments (setting workerStudio.environments)', 'aria-label': 'Edit environments', onclick: () => post({ type: 'editEnvironments' }) }, icon('edit')),
    );
  }

  set(names: string[], picked: string | undefined): void {
    replaceChildren(this.select, h('option', { value: '' }, names.length ? 'No environment' : 'No environments defined'), ...names.map((n) => h('option', { value: n }, n)));
    this.select.value = picked ?? '';
  }
}

export class CurlTools {
  readonly element: HTMLElement;
  private readonly dialog: HTMLElement;
  private readonly text: HTMLTextAreaElement;
  private readonly error: HTMLElement;

  constructor(load: (request: PanelRequest) => void, current: () => PanelRequest) {
    this.text = h('textarea', { id: 'curl-text', rows: 4, spellcheck: 'false', 'aria-label': 'cURL command to import', placeholder: "curl -X POST 'http://localhost:8787/api' -H 'content-type: application/json' -d '{…}'" });
    this.error = h('p', { id: 'curl-error', class: 'error', role: 'alert' });
    const apply = () => {
      try {
        load(fromCurl(parseCurl(this.text.value)));
        this.error.textContent = '';
        this.dialog.hidden = true;
      } catch (err) {
        this.error.textContent = err instanceof CurlParseError || err instanceof Error ? err.message : String(err);
      }
    };
    this.dialog = h(
      'div',
      { id: 'curl-dialog', class: 'dialog', hidden: true },
      this.text,
      this.error,
      h('div', { class: 'row' }, h('button', { id: 'curl-apply', type: 'button', onclick: apply }, 'Import'), h('button', { type: 'button', class: 'secondary', onclick: () => (this.dialog.hidden = true) }, 'Cancel')),
    );
    this.element = h(
      'div',
      { class: 'curl' },
      h(
        'div',
        { class: 'row' },
        h('button', { id: 'import-curl', type: 'button', class: 'secondary', title: 'Fill the form from a cURL command', onclick: () => { this.dialog.hidden = !this.dialog.hidden; if (!this.dialog.hidden) this.text.focus(); } }, icon('import'), ' Import cURL'),
        h('button', { id: 'copy-curl', type: 'button', class: 'secondary', title: 'Copy this request as a cURL command (variables filled in)', onclick: () => post({ type: 'copyCurl', request: current() }) }, icon('copy'), ' Copy as cURL'),
      ),
      this.dialog,
    );
  }
}

export class EventButtons {
  readonly element: HTMLElement;
  private readonly scheduled: HTMLElement;
  private readonly queue: HTMLElement;
  private readonly cron: HTMLInputElement;
  private readonly crons: HTMLDataListElement;
  private readonly result: HTMLElement;

  constructor() {
    this.crons = h('datalist', { id: 'crons' });
    this.cron = h('input', { id: 'cron', list: 'crons', placeholder: 'cron, e.g. */5 * * * *', 'aria-label': 'Cron the scheduled handler sees', spellcheck: 'false' });
    this.scheduled = h(
      'div',
      { class: 'row', id: 'event-scheduled' },
      this.cron,
      this.crons,
      h('button', { id: 'fire-scheduled', type: 'button', class: 'secondary', title: 'Run the scheduled handler with this cron', onclick: () => this.fire({ event: 'scheduled', cron: this.cron.value }) }, icon('clock'), ' Run scheduled'),
    );
    const queueName = h('input', { id: 'queue-name', placeholder: 'queue name', 'aria-label': 'Queue name', spellcheck: 'false', value: 'queue' });
    const queueBody = h('textarea', { id: 'queue-body', rows: 2, spellcheck: 'false', 'aria-label': 'Queue message (JSON)', placeholder: '{ "message": "JSON" }' });
    this.queue = h(
      'div',
      { id: 'event-queue' },
      h('div', { class: 'row' }, queueName, h('button', { id: 'fire-queue', type: 'button', class: 'secondary', title: 'Deliver one message to the queue handler', onclick: () => this.fireQueue(queueName.value, queueBody.value) }, icon('mail'), ' Send to queue')),
      queueBody,
    );
    this.result = h('p', { id: 'trigger-result', role: 'status', 'aria-live': 'polite' });
    this.element = h('details', { id: 'events', hidden: true }, h('summary', {}, 'Other handlers'), this.scheduled, this.queue, this.result);
  }

  setWorker(worker: PanelWorker | undefined): void {
    const handlers = worker?.handlers ?? [];
    this.scheduled.hidden = !handlers.includes('scheduled');
    this.queue.hidden = !handlers.includes('queue');
    this.element.hidden = this.scheduled.hidden && this.queue.hidden;
    replaceChildren(this.crons, ...(worker?.crons ?? []).map((c) => h('option', { value: c })));
    if (!this.cron.value && worker?.crons[0]) this.cron.value = worker.crons[0];
  }

  showResult(event: TriggerParams['event'], result: TriggerResult | undefined, error: string | undefined): void {
    if (!result) {
      this.result.className = 'fail';
      this.result.textContent = `${event}: ${error ?? 'failed'}`;
      return;
    }
    const parts = [`${event}: ${result.outcome}`, formatMs(result.wallMs)];
    if (result.noRetry) parts.push('noRetry()');
    if (result.acked?.length) parts.push(`acked ${result.acked.length}`);
    if (result.retried?.length) parts.push(`retried ${result.retried.length}`);
    this.result.className = result.outcome === 'ok' ? 'ok' : 'fail';
    this.result.textContent = parts.join(' · ') + (result.error ? `\n${result.error}` : '');
  }

  private fire(params: TriggerParams): void {
    this.result.className = '';
    this.result.textContent = `${params.event}: running…`;
    post({ type: 'trigger', params });
  }

  private fireQueue(queue: string, body: string): void {
    let message: unknown;
    try {
      message = body.trim() === '' ? null : JSON.parse(body);
    } catch (err) {
      this.result.className = 'fail';
      this.result.textContent = `queue: the message is not JSON: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.fire({ event: 'queue', queue: queue.trim() || 'queue', messages: [{ body: message }] });
  }
}
