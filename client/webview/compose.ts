/**
 * The request being composed: method, path and query, headers, and a body (JSON, form fields, raw text, or a file).
 * Ctrl/Cmd+Enter anywhere in the panel sends (main.ts); the draft survives the view being hidden (saveDraft).
 */
import type { PanelBody, PanelRequest } from '../../common/protocol.ts';
import { h, icon } from './dom.ts';
import { FieldsTable } from './fieldsTable.ts';
import { post } from './messaging.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const BODY_KINDS: [PanelBody['kind'], string][] = [['none', 'No body'], ['json', 'JSON'], ['form', 'Form (urlencoded)'], ['text', 'Raw text'], ['file', 'File']];

export const EMPTY_REQUEST: PanelRequest = { method: 'GET', path: '/', headers: [], body: { kind: 'none' } };

export class Composer {
  readonly form: HTMLFormElement;
  readonly extras: HTMLElement;
  private readonly method: HTMLSelectElement;
  private readonly path: HTMLInputElement;
  readonly sendButton: HTMLButtonElement;
  private readonly headers: FieldsTable;
  private readonly bodyKind: HTMLSelectElement;
  private readonly bodyText: HTMLTextAreaElement;
  private readonly formFields: FieldsTable;
  private readonly filePath: HTMLElement;
  private readonly fileBox: HTMLElement;
  private readonly headerCount: HTMLElement;
  private file = '';
  private readonly onChange: () => void;

  constructor(onSend: () => void, onChange: () => void) {
    this.onChange = () => {
      this.headerCount.textContent = String(this.headers.read().filter((f) => f.enabled && f.name).length || '');
      onChange();
    };
    this.method = h('select', { id: 'method', 'aria-label': 'Method', onchange: this.onChange }, ...METHODS.map((m) => h('option', { value: m }, m)));
    this.path = h('input', { id: 'path', 'aria-label': 'Path and query', placeholder: '/path?query — {{variables}} allowed', spellcheck: 'false', value: '/', oninput: this.onChange });
    this.sendButton = h('button', { id: 'send', type: 'submit', title: 'Send (Ctrl+Enter)', disabled: true }, icon('send'), ' Send');
    this.form = h('form', { id: 'request', 'aria-label': 'Request' }, this.method, this.path, this.sendButton);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      onSend();
    });

    this.headerCount = h('span', { class: 'badge', 'aria-label': 'enabled headers' });
    this.headers = new FieldsTable('headers', 'header', () => this.onChange());
    this.bodyKind = h('select', { id: 'body-kind', 'aria-label': 'Body type', onchange: () => this.showBodyKind() }, ...BODY_KINDS.map(([value, label]) => h('option', { value }, label)));
    this.bodyText = h('textarea', { id: 'body-text', rows: 4, spellcheck: 'false', 'aria-label': 'Request body', oninput: this.onChange });
    this.formFields = new FieldsTable('body-form', 'form field', () => this.onChange());
    this.filePath = h('span', { id: 'file-path', class: 'muted' }, 'No file chosen');
    this.fileBox = h('div', { id: 'body-file', class: 'row' }, h('button', { id: 'pick-file', type: 'button', class: 'secondary', onclick: () => post({ type: 'pickFile' }) }, 'Choose file…'), this.filePath);
    this.extras = h(
      'div',
      { class: 'compose-extras' },
      h('details', { id: 'headers-section' }, h('summary', {}, 'Headers ', this.headerCount), this.headers.element),
      h('details', { id: 'body-section' }, h('summary', {}, 'Body'), h('div', { class: 'row' }, this.bodyKind), this.bodyText, this.formFields.element, this.fileBox),
    );
    this.showBodyKind(false); // the owner is still being built: nothing to tell it yet
  }

  read(): PanelRequest {
    const kind = this.bodyKind.value as PanelBody['kind'];
    let body: PanelBody;
    if (kind === 'json' || kind === 'text') body = { kind, text: this.bodyText.value };
    else if (kind === 'form') body = { kind, fields: this.formFields.read() };
    else if (kind === 'file') body = { kind, path: this.file };
    else body = { kind: 'none' };
    return { method: this.method.value, path: this.path.value, headers: this.headers.read(), body };
  }

  fill(request: PanelRequest): void {
    if (!METHODS.includes(request.method)) this.method.appendChild(h('option', { value: request.method }, request.method));
    this.method.value = request.method;
    this.path.value = request.path;
    this.headers.fill(request.headers);
    this.bodyKind.value = request.body.kind;
    this.bodyText.value = request.body.kind === 'json' || request.body.kind === 'text' ? request.body.text : '';
    this.formFields.fill(request.body.kind === 'form' ? request.body.fields : []);
    this.setFile(request.body.kind === 'file' ? request.body.path : '');
    // Open what the request uses, so a loaded request shows all of itself.
    (this.extras.querySelector('#headers-section') as HTMLDetailsElement).open = request.headers.length > 0;
    (this.extras.querySelector('#body-section') as HTMLDetailsElement).open = request.body.kind !== 'none';
    this.showBodyKind();
  }

  setFile(path: string): void {
    this.file = path;
    this.filePath.textContent = path || 'No file chosen';
    this.onChange();
  }

  setWorker(running: boolean): void {
    this.sendButton.disabled = !running;
  }

  private showBodyKind(notify = true): void {
    const kind = this.bodyKind.value;
    this.bodyText.hidden = kind !== 'json' && kind !== 'text';
    this.bodyText.placeholder = kind === 'json' ? '{ "key": "value" }' : 'text';
    this.formFields.element.hidden = kind !== 'form';
    this.fileBox.hidden = kind !== 'file';
    if (notify) this.onChange();
  }
}
