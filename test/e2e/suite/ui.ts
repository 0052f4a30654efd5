/**
 * The suite's side of the UI-driver channel (test/e2e/ui/driver.ts): `await ui('panel.send', { … })` runs a named
 * scenario in the workbench page with Playwright and resolves with its result, or rejects with its error, the step it
 * was at and what the page showed. Only the code-server host can be driven; elsewhere `ui()` rejects saying why, and
 * `uiTest` registers a test needing the driver only where it can run or under CI (where a missing driver must fail).
 */
import { DRIVER_ABSENT_ENV, DRIVER_ENV, type UiAnswer, type UiRequest } from '../ui/wire.ts';

const driverUrl = process.env[DRIVER_ENV];
const CI = process.env.CI === 'true' || process.env.CI === '1';

/** Why there is no driver, or undefined when there is one. */
export const uiAbsent: string | undefined = driverUrl
  ? undefined
  : (process.env[DRIVER_ABSENT_ENV] ?? `${DRIVER_ENV} is not set (the suite was not started by test/e2e/run.ts on the code-server host)`);

export async function ui<T = unknown>(scenario: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
  if (!driverUrl) throw new Error(`the UI driver is not available, so "${scenario}" cannot run: ${uiAbsent}`);
  const request: UiRequest = { scenario, args, timeoutMs };
  let answer: UiAnswer;
  try {
    // The driver answers by itself within timeoutMs; the extra margin only covers a driver that died.
    const response = await fetch(`${driverUrl}/run`, { method: 'POST', body: JSON.stringify(request), signal: AbortSignal.timeout(timeoutMs + 15_000) });
    answer = (await response.json()) as UiAnswer;
  } catch (err) {
    throw new Error(`the UI driver at ${driverUrl} did not answer "${scenario}": ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!answer.ok) throw new Error(`UI scenario "${scenario}" failed at "${answer.step}": ${answer.error}\n      seen: ${answer.seen}`);
  return answer.result as T;
}

/** A test that needs the UI driver: registered where the driver runs, and under CI (where it then fails with the reason). */
export function uiTest(title: string, body: () => Promise<void>): void {
  if (!uiAbsent || CI) test(title, body);
  else console.log(`    (left out, no UI driver: ${title} — ${uiAbsent})`);
}
