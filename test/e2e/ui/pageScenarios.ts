// Generic scenarios any suite file can use: screenshots of the workbench or of an element (in the page or in a
// webview), and plain DOM actions in the webview that has a given selector.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { frameWith } from './frames.ts';
import { optionalStringArg, stringArg, type Scenario } from './scenario.ts';

/**
 * `{ file, selector?, webview? }`: screenshots the page, or the element `selector` (in the workbench page, or — with
 * `webview`, a selector only that webview's document has — inside that webview) into `file` (absolute, .png).
 * Answers `{ file, width, height }`.
 */
const screenshot: Scenario = async ({ page, remaining, step }, args) => {
  const file = stringArg(args, 'file');
  if (!path.isAbsolute(file)) throw new Error(`file must be an absolute path: ${file}`);
  const selector = optionalStringArg(args, 'selector');
  const webview = optionalStringArg(args, 'webview');
  mkdirSync(path.dirname(file), { recursive: true });
  if (!selector) {
    step('screenshot of the whole page');
    await page.screenshot({ path: file });
    const size = page.viewportSize();
    return { file, width: size?.width, height: size?.height };
  }
  step(webview ? `finding the webview that has ${webview}` : `finding ${selector}`);
  const scope = webview ? await frameWith(page, webview, remaining()) : page.mainFrame();
  const element = scope.locator(selector).first();
  step(`screenshot of ${selector}`);
  await element.waitFor({ state: 'visible', timeout: remaining() });
  await element.screenshot({ path: file, timeout: remaining() });
  const box = await element.boundingBox();
  return { file, width: box?.width, height: box?.height };
};

/** `{ webview, selector }`: the text of every element matching `selector` (after the first one is attached). */
const texts: Scenario = async ({ page, remaining, step }, args) => {
  const frame = await frameWith(page, stringArg(args, 'webview'), remaining());
  step(`reading ${stringArg(args, 'selector')}`);
  const locator = frame.locator(stringArg(args, 'selector'));
  await locator.first().waitFor({ state: 'attached', timeout: remaining() });
  return locator.allTextContents();
};

/** `{ width, height }`: resizes the browser's viewport (the workbench relayouts to it); answers the size before. */
const viewport: Scenario = async ({ page }, args) => {
  const before = page.viewportSize();
  await page.setViewportSize({ width: numberArg(args, 'width'), height: numberArg(args, 'height') });
  return before;
};

/** The workbench's side bar. */
const SIDEBAR = '#workbench\\.parts\\.sidebar';

/**
 * `{ width }`: drags the sash on the side bar's right edge until the side bar is `width` pixels wide (the workbench
 * has no setting for it); answers the width it got (the workbench may clamp it).
 */
const sidebarWidth: Scenario = async ({ page, remaining, step }, args) => {
  const width = numberArg(args, 'width');
  step('finding the side bar');
  const sidebar = page.locator(SIDEBAR);
  await sidebar.waitFor({ state: 'visible', timeout: remaining() });
  const box = (await sidebar.boundingBox())!;
  step('finding the sash on its right edge');
  const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((elements) =>
    elements.map((element) => {
      const rect = element.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2, height: rect.height };
    }),
  );
  const edge = box.x + box.width;
  const sash = sashes.filter((s) => s.height > 0).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
  if (!sash || Math.abs(sash.x - edge) > 8) throw new Error(`no sash at the side bar's right edge (x ${edge}); sashes at x: ${sashes.map((s) => Math.round(s.x)).join(', ')}`);
  step('dragging the sash');
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, sash.y, { steps: 5 });
  await page.mouse.up();
  return { width: (await sidebar.boundingBox())?.width, before: box.width };
};

/**
 * `{ title, expanded }`: expands or collapses the view titled `title` in the side bar (clicking its header, as a user
 * would); answers whether it was expanded before, so a caller can put it back.
 */
const expandView: Scenario = async ({ page, remaining, step }, args) => {
  const title = stringArg(args, 'title');
  const expanded = args.expanded === true;
  step(`finding the header of the view "${title}"`);
  const header = page.locator(`${SIDEBAR} .pane-header`).filter({ has: page.locator('h3.title', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i') }) }).first();
  await header.waitFor({ state: 'visible', timeout: remaining() });
  const was = (await header.getAttribute('aria-expanded')) === 'true';
  if (was !== expanded) {
    step(`${expanded ? 'expanding' : 'collapsing'} "${title}"`);
    await header.click({ timeout: remaining() });
    await page.locator(`${SIDEBAR} .pane-header[aria-expanded="${expanded}"]`).filter({ has: page.locator('h3.title', { hasText: title }) }).first().waitFor({ timeout: remaining() });
  }
  return { wasExpanded: was };
};

function numberArg(args: Record<string, unknown>, name: string): number {
  const value = args[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`argument "${name}" must be a number (got ${JSON.stringify(value)})`);
  return value;
}

export const pageScenarios: Record<string, Scenario> = {
  'page.viewport': viewport,
  'page.sidebarWidth': sidebarWidth,
  'page.expandView': expandView,
  'page.screenshot': screenshot,
  'webview.texts': texts,
};
