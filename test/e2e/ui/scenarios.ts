// Every scenario the UI driver can run, by name: `page.*` / `webview.*` are generic (pageScenarios.ts), `panel.*` drive
// the request panel (panelScenarios.ts). Another area adds its file and spreads it in here.
import { pageScenarios } from './pageScenarios.ts';
import { panelScenarios } from './panelScenarios.ts';
import { quickInputScenarios } from './quickInputScenarios.ts';
import type { Scenario } from './scenario.ts';
import { workbenchScenarios } from './workbenchScenarios.ts';

export const scenarios: Record<string, Scenario> = { ...pageScenarios, ...panelScenarios, ...workbenchScenarios, ...quickInputScenarios };
