// Scenarios on the workbench's own UI (not a webview): notifications and their buttons, and reading what elements the
// page shows (the status bar, the output panel). The Workers view and trust tests use them to see what a user sees: a
// notification's text and actions, the status-bar text. (Modal dialogs can't be tested: the workbench refuses to show
// them while extension tests run.)
import type { Locator } from 'playwright-core';
import { optionalStringArg, stringArg, type Scenario, type ScenarioContext } from './scenario.ts';

// Under the smoke-test driver the workbench never shows notification toasts: notifications are only listed in the
// notifications center, which the suite opens first (support.ts showNotificationsCenter).
const ROW = '.notifications-center .monaco-list-row';
const MESSAGE = '.notification-list-item-message';
const BUTTONS = '.notification-list-item-buttons-container .monaco-button';

/** Every listed notification's message, for failure reports. */
async function listedMessages(context: ScenarioContext): Promise<string> {
  const center = context.page.locator('.notifications-center');
  const open = (await center.count()) > 0 && (await center.first().isVisible());
  const messages = await context.page.locator(`${ROW} ${MESSAGE}`).allTextContents();
  return `notifications center ${open ? 'open' : 'NOT open (the suite runs notifications.showList first)'}; listed: ${messages.map((m) => JSON.stringify(m)).join(', ') || 'none'}`;
}

/** The listed notification whose message contains `text`, waited for. */
async function notificationWith(context: ScenarioContext, text: string): Promise<Locator> {
  context.seen(() => listedMessages(context));
  context.step(`waiting for a notification containing ${JSON.stringify(text)} in the notifications center`);
  const row = context.page.locator(ROW).filter({ has: context.page.locator(MESSAGE, { hasText: text }) }).first();
  await row.waitFor({ state: 'visible', timeout: context.remaining() });
  return row;
}

async function describeNotification(row: Locator): Promise<{ message: string; buttons: string[] }> {
  return { message: (await row.locator(MESSAGE).textContent())?.trim() ?? '', buttons: (await row.locator(BUTTONS).allTextContents()).map((b) => b.trim()) };
}

/** `{ text }`: waits for a notification containing `text`; answers `{ message, buttons }`. */
const notificationFind: Scenario = async (context, args) => describeNotification(await notificationWith(context, stringArg(args, 'text')));

/** `{ text, button }`: clicks `button` of the notification containing `text`; answers `{ message, buttons }` as it was. */
const notificationClick: Scenario = async (context, args) => {
  const row = await notificationWith(context, stringArg(args, 'text'));
  const shown = await describeNotification(row);
  const button = stringArg(args, 'button');
  context.step(`clicking "${button}" (buttons: ${shown.buttons.join(', ') || 'none'})`);
  await row.locator(BUTTONS, { hasText: button }).first().click({ timeout: context.remaining() });
  return shown;
};

/**
 * `{ selector, hasText? }`: every element of the workbench page matching `selector` (and containing `hasText`) now,
 * with its text and whether it is visible. No waiting: for "is it shown?" checks made after an event.
 */
const elements: Scenario = async ({ page, step }, args) => {
  const selector = stringArg(args, 'selector');
  const hasText = optionalStringArg(args, 'hasText');
  step(`reading ${selector}`);
  const locator = hasText === undefined ? page.locator(selector) : page.locator(selector, { hasText });
  const found: { text: string; visible: boolean }[] = [];
  for (const element of await locator.all()) found.push({ text: ((await element.textContent()) ?? '').trim(), visible: await element.isVisible() });
  return found;
};

/** `{ selector, hasText }`: waits until an element matching `selector` shows `hasText`; answers its text. */
const waitForText: Scenario = async ({ page, step, remaining, seen }, args) => {
  const selector = stringArg(args, 'selector');
  const hasText = stringArg(args, 'hasText');
  seen(async () => `${selector}: ${(await page.locator(selector).allTextContents()).map((t) => JSON.stringify(t)).join(', ') || 'none'}`);
  step(`waiting for ${selector} to show ${JSON.stringify(hasText)}`);
  const element = page.locator(selector, { hasText }).first();
  await element.waitFor({ state: 'visible', timeout: remaining() });
  return ((await element.textContent()) ?? '').trim();
};

export const workbenchScenarios: Record<string, Scenario> = {
  'notification.find': notificationFind,
  'notification.click': notificationClick,
  'workbench.elements': elements,
  'workbench.waitForText': waitForText,
};
