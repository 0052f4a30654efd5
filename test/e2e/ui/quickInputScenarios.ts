// Scenarios on the workbench's quick input (what `vscode.window.showQuickPick` shows): the suite cannot answer a quick
// pick through the API, so a test that starts one (F5 asking which worker) picks an item here, as a user clicks it.
import type { Locator } from 'playwright-core';
import { stringArg, type Scenario, type ScenarioContext } from './scenario.ts';

const WIDGET = '.quick-input-widget';
const ROW = `${WIDGET} .quick-input-list .monaco-list-row`;
const INPUT = `${WIDGET} .quick-input-box input`;
/**
 * An item's label: the name in its first line (the detail, on the second line, is a label-name of its own; the
 * description is a separate element), so neither takes part in the match.
 */
const LABEL = '.quick-input-list-row:first-child .label-name';

/**
 * What the quick input shows now: its placeholder, how many items it lists (the list is virtual: only the rows in view
 * are in the DOM, but each says the list's size) and the labels of the rows in view.
 */
async function shown(context: ScenarioContext): Promise<{ placeholder: string; count: number; labels: string[] }> {
  const placeholder = (await context.page.locator(INPUT).first().getAttribute('placeholder').catch(() => null)) ?? '';
  // Rows are positioned, not ordered, in the DOM: their aria-posinset gives the order.
  const rows = await context.page.locator(ROW).evaluateAll((elements, label) =>
    elements.map((row) => ({ position: Number(row.getAttribute('aria-posinset')), size: Number(row.getAttribute('aria-setsize')), label: row.querySelector(label)?.textContent?.trim() ?? '' })),
  LABEL);
  rows.sort((a, b) => a.position - b.position);
  return { placeholder, count: rows[0]?.size ?? 0, labels: rows.map((row) => row.label) };
}

/** The listed item whose label is exactly `label`, waited for. */
async function itemLabelled(context: ScenarioContext, label: string): Promise<Locator> {
  context.seen(async () => {
    const { placeholder, labels } = await shown(context);
    const visible = await context.page.locator(WIDGET).first().isVisible().catch(() => false);
    return `quick input ${visible ? 'shown' : 'NOT shown'}; placeholder ${JSON.stringify(placeholder)}; items: ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'}`;
  });
  context.step(`waiting for the quick input to list ${JSON.stringify(label)}`);
  const exactly = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = context.page.locator(ROW).filter({ has: context.page.locator(LABEL, { hasText: exactly }) }).first();
  await row.waitFor({ state: 'visible', timeout: context.remaining() });
  return row;
}

/**
 * `{ label }`: waits for the quick input, types `label` in its filter (so the item is in view however long the list is),
 * and clicks the item labelled exactly `label`. Answers what the quick input offered before the filter
 * (`{ placeholder, count, labels }`: `labels` are the rows that were in view), so the test can check it.
 */
const quickPickSelect: Scenario = async (context, args) => {
  const label = stringArg(args, 'label');
  context.step('waiting for the quick input to list items');
  await context.page.locator(ROW).first().waitFor({ state: 'visible', timeout: context.remaining() });
  const offered = await shown(context);
  context.step(`typing ${JSON.stringify(label)} in the quick input`);
  await context.page.locator(INPUT).first().fill(label, { timeout: context.remaining() });
  const row = await itemLabelled(context, label);
  context.step(`clicking ${JSON.stringify(label)}`);
  await row.click({ timeout: context.remaining() });
  context.step('waiting for the quick input to close');
  await context.page.locator(WIDGET).first().waitFor({ state: 'hidden', timeout: context.remaining() });
  return offered;
};

export const quickInputScenarios: Record<string, Scenario> = {
  'quickPick.select': quickPickSelect,
};
