/**
 * A table of name/value rows with a checkbox each (headers, form fields): add, remove, untick to keep a row without
 * sending it. Used for the request's headers and its form body.
 */
import type { PanelField } from '../../common/protocol.ts';
import { h, icon, replaceChildren } from './dom.ts';

export class FieldsTable {
  readonly element: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly label: string;
  private readonly onChange: () => void;

  constructor(id: string, label: string, onChange: () => void) {
    this.label = label;
    this.onChange = onChange;
    this.rows = h('div', { class: 'field-rows', role: 'list' });
    this.element = h(
      'div',
      { id, class: 'fields' },
      this.rows,
      h('button', { type: 'button', class: 'field-add secondary', title: `Add a ${label}`, onclick: () => this.addRow({ name: '', value: '', enabled: true }, true) }, icon('add'), ` Add ${label}`),
    );
  }

  read(): PanelField[] {
    return [...this.rows.querySelectorAll<HTMLElement>('.field-row')].map((row) => ({
      name: row.querySelector<HTMLInputElement>('.field-name')!.value,
      value: row.querySelector<HTMLInputElement>('.field-value')!.value,
      enabled: row.querySelector<HTMLInputElement>('.field-enabled')!.checked,
    }));
  }

  fill(fields: PanelField[]): void {
    replaceChildren(this.rows);
    fields.forEach((field) => this.addRow(field, false));
  }

  private addRow(field: PanelField, focus: boolean): void {
    const row: HTMLElement = h(
      'div',
      { class: 'field-row', role: 'listitem' },
      h('input', { type: 'checkbox', class: 'field-enabled', title: `Send this ${this.label}`, 'aria-label': `Send this ${this.label}`, checked: field.enabled, onchange: this.onChange }),
      h('input', { class: 'field-name', placeholder: 'name', 'aria-label': `${this.label} name`, spellcheck: 'false', value: field.name, oninput: this.onChange }),
      h('input', { class: 'field-value', placeholder: 'value', 'aria-label': `${this.label} value`, spellcheck: 'false', value: field.value, oninput: this.onChange }),
      h('button', { type: 'button', class: 'field-remove icon-button', title: `Remove this ${this.label}`, 'aria-label': `Remove this ${this.label}`, onclick: () => { row.remove(); this.onChange(); } }, icon('close')),
    );
    this.rows.appendChild(row);
    if (focus) row.querySelector<HTMLInputElement>('.field-name')!.focus();
    this.onChange();
  }
}
