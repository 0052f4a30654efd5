/**
 * Variables for `{{name}}` in the request panel: the `workerStudio.environments` setting, laid out as REST Client's
 * (`{ "$shared": {…}, "local": {…} }`), read fresh each time (settings are never cached).
 */
import * as vscode from 'vscode';
import { environmentNames, environmentVariables } from '../../../common/panelRequest.ts';

export const ENVIRONMENTS_SETTING = 'workerStudio.environments';

function environments(): Record<string, unknown> {
  const value = vscode.workspace.getConfiguration('workerStudio').get<unknown>('environments');
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export const panelEnvironmentNames = (): string[] => environmentNames(environments());
export const panelVariables = (environment: string | undefined): Record<string, string> => environmentVariables(environments(), environment);
