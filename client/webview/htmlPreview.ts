/**
 * The HTML preview of a response: a sandboxed frame (no `allow-scripts`, no `allow-same-origin`: the page is shown,
 * never run, and has an opaque origin) whose srcdoc carries its own Content Security Policy — inline styles and data:
 * images only, nothing fetched, no scripts. A srcdoc document also inherits the panel's policy (CSP can only be
 * narrowed, never widened, by a frame), which is why the panel's style-src allows inline styles (panel/html.ts).
 */
import { h } from './dom.ts';

export const PREVIEW_CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`;

export function htmlPreview(html: string): HTMLIFrameElement {
  return h('iframe', { id: 'html-preview', sandbox: '', title: 'HTML preview', srcdoc: withPolicy(html) });
}

/**
 * The page with the policy's <meta> first — after a doctype, which must stay first or the page renders in quirks
 * mode. The parser puts the <meta> into the head it starts, ahead of everything the page holds.
 */
function withPolicy(html: string): string {
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html)?.[0] ?? '';
  return `${doctype}<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">${html.slice(doctype.length)}`;
}
