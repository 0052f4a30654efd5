/** A JSON value as a tree: objects and arrays fold (<details>, keyboard-usable), leaves are coloured by type. */
import { h } from './dom.ts';

/** Nodes deeper than this start folded. */
const OPEN_DEPTH = 2;

export function jsonTree(value: unknown): HTMLElement {
  return h('div', { class: 'json-tree', role: 'tree' }, node(undefined, value, 0));
}

function node(key: string | undefined, value: unknown, depth: number): HTMLElement {
  const label = key === undefined ? undefined : h('span', { class: 'json-key' }, key);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    if (entries.length === 0) return h('div', { class: 'json-leaf', role: 'treeitem' }, label, label && ': ', h('span', { class: 'json-punct' }, Array.isArray(value) ? '[]' : '{}'));
    return h(
      'details',
      { class: 'json-node', role: 'treeitem', open: depth < OPEN_DEPTH },
      h('summary', {}, label, label && ': ', h('span', { class: 'json-punct' }, summary)),
      h('div', { class: 'json-children', role: 'group' }, ...entries.map(([k, v]) => node(k, v, depth + 1))),
    );
  }
  return h('div', { class: 'json-leaf', role: 'treeitem' }, label, label && ': ', leaf(value));
}

function leaf(value: unknown): HTMLElement {
  if (typeof value === 'string') return h('span', { class: 'json-string' }, JSON.stringify(value));
  if (typeof value === 'number') return h('span', { class: 'json-number' }, String(value));
  if (typeof value === 'boolean') return h('span', { class: 'json-boolean' }, String(value));
  return h('span', { class: 'json-null' }, 'null');
}
