/**
 * Workspace trust: in an untrusted workspace Worker Studio runs none of the workspace's code (no sidecar, no
 * debugger). What would run it says so instead, with a way to trust the workspace. (package.json declares the same
 * in `capabilities.untrustedWorkspaces`; the language server runs everywhere: it only reads the code.)
 */
import * as vscode from 'vscode';

const MANAGE = 'Manage Workspace Trust';

/** The reason shown when something that runs the worker is refused (`what`: "run the worker", "debug the worker"). */
export function untrustedReason(what: string): string {
  return `Worker Studio cannot ${what} here: this workspace is not trusted, and running a worker runs the workspace's code. Trust the workspace to ${what}.`;
}

/** In a trusted workspace: false. Otherwise shows why `what` is refused (offering to manage trust) and answers true. */
export function refusedUntrusted(what: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window.showWarningMessage(untrustedReason(what), MANAGE).then((choice) => {
    if (choice === MANAGE) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return true;
}
