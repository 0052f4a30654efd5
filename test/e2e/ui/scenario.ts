// What a UI scenario is: a named, async piece of browser work with JSON arguments and a JSON result, run by driver.ts
// in the workbench page. A scenario names its current step and can add what it saw, both reported when it fails.
import type { Page } from 'playwright-core';

export interface ScenarioContext {
  page: Page;
  /** Milliseconds left before the driver abandons the scenario: the budget for each wait. */
  remaining(): number;
  /** Names what the scenario does now (reported on failure). */
  step(what: string): void;
  /** Adds a description of what the page shows, computed only if the scenario fails. */
  seen(describe: () => Promise<string> | string): void;
}

export type Scenario = (context: ScenarioContext, args: Record<string, unknown>) => Promise<unknown>;

/** Arguments arrive as JSON from the suite: these read them with a clear error when one is missing or mistyped. */
export function stringArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string') throw new Error(`argument "${name}" must be a string (got ${JSON.stringify(value)})`);
  return value;
}

export function optionalStringArg(args: Record<string, unknown>, name: string): string | undefined {
  return args[name] === undefined ? undefined : stringArg(args, name);
}
