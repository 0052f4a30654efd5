// Scenarios that drive the request panel (client/webview/) through its DOM, like a user: the suite focuses the view
// first (workerStudio.requestPanel.focus); these find its webview by PANEL, act, and answer what it shows. Waits are
// on the DOM (selectors, the response's data-state), never on sleeps.
import type { Frame, Locator } from 'playwright-core';
import { frameWith } from './frames.ts';
import { optionalStringArg, stringArg, type Scenario, type ScenarioContext } from './scenario.ts';
import { PANEL } from './wire.ts';

// The functions given to frame.evaluate / waitForFunction run in the webview's page, not here: this file is checked
// without the DOM library, so they see the page through this loose declaration.
declare const document: any;

/** Set on a panel page by `panel.mark`: a reloaded page does not have it. */
const MARK = 'data-e2e-marked';

/** The panel's frame; with `fresh`, only a page loaded after the last `panel.mark` (a reload's). */
async function panelFrame(context: ScenarioContext, fresh = false): Promise<Frame> {
  context.step(`finding the ${fresh ? 'reloaded ' : ''}request panel (is the view open? the suite runs workerStudio.requestPanel.focus)`);
  const frame = await frameWith(context.page, fresh ? `body:not([${MARK}]) ${PANEL}` : PANEL, context.remaining());
  context.seen(async () => {
    const text = async (selector: string) => ((await frame.textContent(selector, { timeout: 1000 }).catch(() => null)) ?? '(none)').slice(0, 200);
    return `panel #worker: "${await text('#worker')}", #status: "${await text('#status')}", #notice: "${await text('#notice')}"`;
  });
  return frame;
}

/** What the panel shows of the current exchange (runs in the webview). */
export interface PanelSnapshot {
  state: string;
  exchange: string;
  status: string;
  statusClass: string;
  time: string;
  size: string;
  headers: [string, string][];
  /** How the body is shown: json (a tree), html (preview frame), image, raw. */
  bodyView: 'json' | 'html' | 'image' | 'raw' | 'none';
  /** json: the keys of the tree's top level, in order. */
  jsonKeys: string[];
  bodyText: string;
}

const snapshot = (frame: Frame) =>
  frame.evaluate((): PanelSnapshot => {
    const $ = (selector: string) => document.querySelector(selector);
    const text = (selector: string) => $(selector)?.textContent ?? '';
    const response = $('#response');
    const body = $('#pane-body');
    const view = body?.querySelector('.json-tree') ? 'json' : body?.querySelector('#html-preview') ? 'html' : body?.querySelector('#image-preview') ? 'image' : body?.querySelector('#raw-body') ? 'raw' : 'none';
    const top = body?.querySelector('.json-tree > details > .json-children');
    const jsonKeys = top ? [...top.children].map((child) => child.querySelector('.json-key')?.textContent ?? '') : [];
    return {
      state: response.dataset.state ?? '',
      exchange: response.dataset.exchange ?? '',
      status: text('#status'),
      statusClass: ($('#status')).className,
      time: text('#time'),
      size: text('#size'),
      headers: [...document.querySelectorAll('#response-headers tr')].map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? ''] as [string, string]),
      bodyView: view,
      jsonKeys,
      bodyText: (body?.textContent ?? '').slice(0, 4000),
    };
  });

/** The request in the form (runs in the webview). */
const formState = (frame: Frame) =>
  frame.evaluate(() => {
    const value = (selector: string) => document.querySelector(selector)?.value ?? '';
    const rows = (container: string) =>
      [...document.querySelectorAll(`${container} .field-row`)].map((row) => [
        (row.querySelector('.field-name')).value,
        (row.querySelector('.field-value')).value,
      ]);
    return { method: value('#method'), path: value('#path'), headers: rows('#headers'), bodyKind: value('#body-kind'), body: value('#body-text'), form: rows('#body-form') };
  });

/** Fills the form: `{ method?, path?, headers?: [name, value][], bodyKind?, body? }` (headers replace the table's rows). */
async function compose(frame: Frame, context: ScenarioContext, args: Record<string, unknown>): Promise<void> {
  const timeout = context.remaining();
  if (args.method !== undefined) await frame.selectOption('#method', stringArg(args, 'method'), { timeout });
  if (args.path !== undefined) await frame.fill('#path', stringArg(args, 'path'), { timeout });
  if (args.headers !== undefined) {
    context.step('filling the headers table');
    await frame.evaluate(() => {
      const section = document.querySelector('#headers-section');
      section.open = true;
    });
    while ((await frame.locator('#headers .field-remove').count()) > 0) await frame.click('#headers .field-remove', { timeout });
    for (const [name, value] of args.headers as [string, string][]) {
      await frame.click('#headers .field-add', { timeout });
      await frame.fill('#headers .field-row:last-child .field-name', name, { timeout });
      await frame.fill('#headers .field-row:last-child .field-value', value, { timeout });
    }
  }
  if (args.bodyKind !== undefined) {
    context.step('choosing the body');
    await frame.evaluate(() => ((document.querySelector('#body-section')).open = true));
    await frame.selectOption('#body-kind', stringArg(args, 'bodyKind'), { timeout });
    if (args.body !== undefined) await frame.fill('#body-text', stringArg(args, 'body'), { timeout });
  }
}

/**
 * `{ …compose args, via?: 'button' | 'keyboard' }`: fills the form and sends it — clicking Send, or pressing
 * Ctrl+Enter in the path field — then waits for the panel to show the new exchange; answers its PanelSnapshot.
 */
const send: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  context.step('waiting for Send to be enabled (the panel enables it when a worker runs)');
  await frame.waitForSelector('#send:enabled', { timeout: context.remaining() });
  context.step('filling the form');
  await compose(frame, context, args);
  const before = await frame.getAttribute('#response', 'data-exchange');
  const via = optionalStringArg(args, 'via') ?? 'button';
  context.step(via === 'keyboard' ? 'pressing Ctrl+Enter in the path field' : 'clicking Send');
  if (via === 'keyboard') await frame.press('#path', 'Control+Enter', { timeout: context.remaining() });
  else await frame.click('#send', { timeout: context.remaining() });
  context.step('waiting for the panel to show the new exchange (#response data-state done or error)');
  await frame.waitForFunction(
    (previous) => {
      const response = document.querySelector('#response');
      return !!response && (response.dataset.state === 'done' || response.dataset.state === 'error') && (response.dataset.exchange ?? null) !== previous;
    },
    before,
    { timeout: context.remaining() },
  );
  return snapshot(frame);
};

/** `{ path? }`: the current exchange as shown; with `path`, once the form shows that path (a request loaded from outside). */
const read: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const path = optionalStringArg(args, 'path');
  if (path !== undefined) {
    context.step(`waiting for the form to show the path ${path}`);
    await frame.waitForFunction((p) => document.querySelector('#path')?.value === p && document.querySelector('#response')?.dataset.state === 'done', path, { timeout: context.remaining() });
  }
  return snapshot(frame);
};

/** `{ name }`: picks an environment for {{variables}} ('' for none), once the picker offers it. */
const environment: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const name = stringArg(args, 'name');
  context.step(`waiting for the environment picker to offer "${name}"`);
  await frame.waitForSelector(`#environment option[value="${name.replace(/"/g, '\\"')}"]`, { state: 'attached', timeout: context.remaining() });
  await frame.selectOption('#environment', name, { timeout: context.remaining() });
  return null;
};

/** `{ tab }`: selects a response tab (body, headers, timeline, console). */
const selectTab: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  await frame.click(`#tab-${stringArg(args, 'tab')}`, { timeout: context.remaining() });
  return null;
};

/**
 * `{}`: opens the Timeline tab and waits for the waterfall (the record arrives once the request's waitUntil work is
 * done); answers its rows (kind, label, value, bar positions in % of the axis), summary and console lines.
 */
const timeline: Scenario = async (context) => {
  const frame = await panelFrame(context);
  context.step('opening the Timeline tab');
  await frame.click('#tab-timeline', { timeout: context.remaining() });
  context.step('waiting for the waterfall (#waterfall: the runtime record of the exchange)');
  await frame.waitForSelector('#waterfall', { timeout: context.remaining() });
  return frame.evaluate(() => ({
    summary: document.querySelector('.wf-summary')?.textContent ?? '',
    rows: [...document.querySelectorAll('#waterfall .wf-row')].map((row) => ({
      kind: (row).dataset.kind ?? '',
      label: row.querySelector('.wf-label')?.textContent ?? '',
      value: row.querySelector('.wf-value')?.textContent ?? '',
      bars: [...row.querySelectorAll('.wf-bar')].map((bar) => ({ left: parseFloat((bar).style.left), className: bar.className })),
    })),
    console: [...document.querySelectorAll('#pane-console .log-line')].map((line) => line.querySelector('.log-message')?.textContent ?? ''),
  }));
};

/** `{}`: marks the panel's page, so `{ fresh: true }` scenarios can tell a reloaded page from it. */
const mark: Scenario = async (context) => {
  const frame = await panelFrame(context);
  await frame.evaluate((name) => document.body.setAttribute(name, ''), MARK);
  return null;
};

/**
 * `{ atLeast?, fresh? }`: the history and saved lists, once history has at least `atLeast` entries (a reloaded page
 * fills them from the extension); with `fresh`, of a page loaded after `panel.mark`.
 */
const lists: Scenario = async (context, args) => {
  const frame = await panelFrame(context, args.fresh === true);
  const atLeast = typeof args.atLeast === 'number' ? args.atLeast : 0;
  context.step(`waiting for at least ${atLeast} history entries`);
  if (atLeast > 0) await frame.waitForSelector(`#history li:nth-child(${atLeast}) .history-item`, { timeout: context.remaining() });
  return frame.evaluate(() => ({
    history: [...document.querySelectorAll('#history .history-item')].map((item) => item.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
    saved: [...document.querySelectorAll('#saved .saved-item')].map((item) => item.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
  }));
};

/** `{ command }`: pastes a cURL command into Import cURL; answers the form it filled, or `{ error }` the panel showed. */
const importCurl: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  context.step('opening Import cURL');
  if (await frame.isHidden('#curl-dialog')) await frame.click('#import-curl', { timeout: context.remaining() });
  await frame.fill('#curl-text', stringArg(args, 'command'), { timeout: context.remaining() });
  await frame.click('#curl-apply', { timeout: context.remaining() });
  context.step('waiting for the import to close the dialog or show an error');
  await frame.waitForSelector('#curl-dialog[hidden], #curl-error:not(:empty)', { state: 'attached', timeout: context.remaining() });
  const error = (await frame.textContent('#curl-error')) ?? '';
  return error ? { error } : formState(frame);
};

/** `{}`: clicks Copy as cURL and answers the panel's notice (`Copied: curl …`). */
const copyCurl: Scenario = async (context) => {
  const frame = await panelFrame(context);
  await frame.evaluate(() => ((document.querySelector('#notice')).textContent = ''));
  await frame.click('#copy-curl', { timeout: context.remaining() });
  context.step('waiting for the #notice that says what was copied');
  await frame.waitForSelector('#notice:not(:empty)', { timeout: context.remaining() });
  return (await frame.textContent('#notice')) ?? '';
};

/** `{ cron }`: runs the scheduled handler from Other handlers; answers the result line and its class (ok / fail). */
const fireScheduled: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  context.step('waiting for the Other handlers section (shown when the worker has a scheduled handler)');
  await frame.waitForSelector('#events:not([hidden])', { timeout: context.remaining() });
  await frame.evaluate(() => ((document.querySelector('#events')).open = true));
  const crons = await frame.evaluate(() => [...document.querySelectorAll('#crons option')].map((o) => (o).value));
  await frame.fill('#cron', stringArg(args, 'cron'), { timeout: context.remaining() });
  await frame.click('#fire-scheduled', { timeout: context.remaining() });
  context.step('waiting for #trigger-result to show the outcome (class ok or fail)');
  await frame.waitForSelector('#trigger-result.ok, #trigger-result.fail', { timeout: context.remaining() });
  return { text: (await frame.textContent('#trigger-result')) ?? '', ok: (await frame.getAttribute('#trigger-result', 'class')) === 'ok', crons };
};

/** `{ name }`: saves the form's request under `name`; answers once it is listed. */
const save: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const name = stringArg(args, 'name');
  await frame.fill('#save-name', name, { timeout: context.remaining() });
  await frame.click('#save', { timeout: context.remaining() });
  context.step(`waiting for "${name}" in the saved list`);
  await frame.waitForSelector(`#saved .saved-item:has-text("${name.replace(/"/g, '\\"')}")`, { timeout: context.remaining() });
  return null;
};

/**
 * `{ path }`: chooses File as the body kind, clicks "Choose file…" and picks `path` in the open dialog the extension
 * shows (VS Code's showOpenDialog: in the browser workbench, the simple file dialog, a quick input with the path);
 * answers the path the panel then shows.
 */
const pickFile: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const file = stringArg(args, 'path');
  context.step('choosing File as the body kind');
  await frame.evaluate(() => ((document.querySelector('#body-section')).open = true));
  await frame.selectOption('#body-kind', 'file', { timeout: context.remaining() });
  await frame.click('#pick-file', { timeout: context.remaining() });
  context.step('waiting for the open dialog (the workbench\'s quick input)');
  const input = context.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: context.remaining() });
  context.seen(async () => `open dialog input: ${JSON.stringify(await input.inputValue().catch(() => '(gone)'))}`);
  try {
    await chooseInDialog(context, input, file);
  } catch (err) {
    // An open dialog would cover the panel for the tests after this one.
    await input.press('Escape', { timeout: 1000 }).catch(() => undefined);
    throw err;
  }
  context.step(`waiting for the panel to show the chosen file (#file-path = ${file})`);
  await frame.waitForFunction((p) => document.querySelector('#file-path')?.textContent === p, file, { timeout: context.remaining() });
  return (await frame.textContent('#file-path')) ?? '';
};

/** Picks `file` in the open dialog whose input is `input`, typing its path as a user would, and accepts it. */
async function chooseInDialog(context: ScenarioContext, input: Locator, file: string): Promise<void> {
  // The dialog starts in the worker's folder and lists it asynchronously; once it lists that folder's entries it has
  // settled (typing earlier races its listing, which re-applies what was typed to the folder it then shows).
  context.step('waiting for the dialog to list a folder the file is in');
  await context.page.waitForFunction(
    (target) => {
      const value: string | undefined = document.querySelector('.quick-input-widget .quick-input-box input')?.value;
      const busy = document.querySelector('.quick-input-widget .monaco-progress-container.active');
      const rows = document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row').length;
      return !!value && value.endsWith('/') && target.startsWith(value) && !busy && rows > 0;
    },
    file,
    { timeout: context.remaining() },
  );
  // Typed as a user types it, after the folder the dialog shows: the dialog reads its input key by key.
  const shownFolder = await input.inputValue();
  context.step(`typing ${file.slice(shownFolder.length)} after ${shownFolder}`);
  await input.press('End', { timeout: context.remaining() });
  await input.pressSequentially(file.slice(shownFolder.length), { timeout: context.remaining() });
  context.step(`waiting for the dialog to hold exactly ${file}`);
  await context.page.waitForFunction(
    (target) => document.querySelector('.quick-input-widget .quick-input-box input')?.value === target,
    file,
    { timeout: context.remaining() },
  );
  context.step(`accepting ${file}`);
  await input.press('Enter', { timeout: context.remaining() });
}

/**
 * `{ queue, body }`: delivers one message (`body`, JSON text) to the queue handler from Other handlers; answers the
 * result line and its class (ok / fail).
 */
const fireQueue: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  context.step('waiting for the Other handlers section and its queue part (shown when the worker has a queue handler)');
  await frame.waitForSelector('#events:not([hidden]) #event-queue:not([hidden])', { timeout: context.remaining() });
  await frame.evaluate(() => ((document.querySelector('#events')).open = true));
  await frame.fill('#queue-name', stringArg(args, 'queue'), { timeout: context.remaining() });
  await frame.fill('#queue-body', stringArg(args, 'body'), { timeout: context.remaining() });
  await frame.click('#fire-queue', { timeout: context.remaining() });
  context.step('waiting for #trigger-result to show the outcome (class ok or fail)');
  await frame.waitForSelector('#trigger-result.ok, #trigger-result.fail', { timeout: context.remaining() });
  return { text: (await frame.textContent('#trigger-result')) ?? '', ok: (await frame.getAttribute('#trigger-result', 'class')) === 'ok' };
};

/**
 * `{ message }`: opens the Console tab and clicks the source link of the console line `message` (waiting for the
 * exchange's record); answers the link's text and title.
 */
const openConsoleSource: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const message = stringArg(args, 'message');
  await frame.click('#tab-console', { timeout: context.remaining() });
  context.step(`waiting for the console line "${message}" and its source link`);
  const link = frame.locator('#pane-console .log-line').filter({ has: frame.locator('.log-message', { hasText: message }) }).locator('.log-location').first();
  await link.waitFor({ state: 'visible', timeout: context.remaining() });
  const shown = { text: (await link.textContent()) ?? '', title: (await link.getAttribute('title')) ?? '' };
  context.step(`clicking ${shown.text}`);
  await link.click({ timeout: context.remaining() });
  return shown;
};

/**
 * `{ ids }`: the HTML preview of the current exchange: its frame's sandbox attribute and, for each element id in the
 * previewed page, its text and computed colour and font style (what the page's styles made of it).
 */
const htmlPreview: Scenario = async (context, args) => {
  const frame = await panelFrame(context);
  const ids = args.ids as string[];
  context.step('waiting for the HTML preview frame (#html-preview)');
  const element = await frame.waitForSelector('#html-preview', { timeout: context.remaining() });
  const preview = await element.contentFrame();
  if (!preview) throw new Error('#html-preview has no frame');
  context.step(`waiting for #${ids.join(', #')} in the previewed page`);
  for (const id of ids) await preview.waitForSelector(`#${id}`, { state: 'attached', timeout: context.remaining() });
  const elements = await preview.evaluate((wanted: string[]) => Object.fromEntries(wanted.map((id) => {
    const node = document.getElementById(id);
    const style = (globalThis as any).getComputedStyle(node); // the previewed page's window
    return [id, { text: node.textContent, color: style.color, fontStyle: style.fontStyle }];
  })), ids);
  return { sandbox: await element.getAttribute('sandbox'), elements };
};

export const panelScenarios: Record<string, Scenario> = {
  'panel.send': send,
  'panel.read': read,
  'panel.tab': selectTab,
  'panel.timeline': timeline,
  'panel.lists': lists,
  'panel.importCurl': importCurl,
  'panel.copyCurl': copyCurl,
  'panel.fireScheduled': fireScheduled,
  'panel.fireQueue': fireQueue,
  'panel.pickFile': pickFile,
  'panel.openConsoleSource': openConsoleSource,
  'panel.htmlPreview': htmlPreview,
  'panel.save': save,
  'panel.mark': mark,
  'panel.environment': environment,
};
