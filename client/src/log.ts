/** The extension's one output channel ("Worker Studio"), with log levels. */
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('Worker Studio', { log: true });
}

/** An error notification whose action opens the output channel; the channel is never popped open by itself. */
export async function showError(log: Log, message: string): Promise<void> {
  log.error(message);
  const choice = await vscode.window.showErrorMessage(message, 'Open Output');
  if (choice === 'Open Output') log.show(true);
}
