/**
 * Workspace trust (issue 6, point 7), in a workbench that opened the workspace UNTRUSTED (Restricted Mode): run.ts
 * starts a second code-server for this file with workspace trust on and the startup prompt off
 * (WORKER_STUDIO_E2E_SUITE=trust). Nothing may run the workspace's code — no sidecar, no debugger — each refusal
 * says why, and the language server, which only reads the code, still reports diagnostics.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, codeOf, inWorkspace, lineOf, showNotificationsCenter, studioApi, waitForDiagnostics, within } from './support.ts';
import { ui, uiTest } from './ui.ts';

/** Processes this extension host started that run the runtime sidecar (other test runs on the machine are not ours). */
function sidecarChildren(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (ppid === process.pid && cmdline.includes('runtime.cjs')) found.push(`${entry}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

suite('In an untrusted workspace', () => {
  test('the workspace is untrusted and the extension is active in it (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner should open this workspace untrusted (WORKER_STUDIO_E2E_SUITE=trust)');
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    await within(extension.activate(), 30_000, () => `${EXTENSION_ID} activate()`);
    const manifest = extension.packageJSON as { capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: string; restrictedConfigurations?: string[] } } };
    const declared = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(declared?.supported, 'limited');
    assert.match(declared?.description ?? '', /only in trusted workspaces/, 'the manifest gives the reason');
    assert.ok(declared?.restrictedConfigurations?.includes('workerStudio.nodePath'), 'nodePath (a program to run) is a restricted setting');
  });

  test('the language server still reports diagnostics', async () => {
    const file = inWorkspace('bad', 'src', 'index.ts');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const diagnostic = await waitForDiagnostics(file, (ds) => ds.find((d) => codeOf(d) === 'handler-type'), 45_000, 'no handler-type diagnostic in the untrusted workspace');
    assert.equal(diagnostic.range.start.line, lineOf(file, /\bfetch\s*\(/));
  });

  test('Start Worker and Debug Worker (F5) refuse: no worker, no sidecar process, no debug session', async () => {
    const api = studioApi();
    const hello = inWorkspace('hello').fsPath;
    await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.start', hello)), 20_000, () => `workerStudio.start ${hello}`);
    const debugged = await within(Promise.resolve(vscode.commands.executeCommand<boolean>('workerStudio.debug')), 20_000, () => 'workerStudio.debug');
    assert.equal(debugged, false, 'workerStudio.debug (F5) should answer false: nothing was started');
    assert.deepEqual(api.workers(), [], 'a worker runs in an untrusted workspace');
    assert.equal(vscode.debug.activeDebugSession, undefined, `a debug session started: ${vscode.debug.activeDebugSession?.name}`);
    assert.deepEqual(sidecarChildren(), [], 'a runtime sidecar process runs in an untrusted workspace');
    assert.equal(api.statusBar().visible, false, 'the status bar shows a worker state though none was started');
  });

  uiTest('each refusal says why, with a way to trust the workspace', async () => {
    await vscode.commands.executeCommand('workerStudio.start', inWorkspace('hello').fsPath);
    await showNotificationsCenter();
    const run = await ui<{ message: string; buttons: string[] }>('notification.find', { text: 'cannot run the worker here' });
    assert.match(run.message, /this workspace is not trusted, and running a worker runs the workspace's code/);
    assert.ok(run.buttons.includes('Manage Workspace Trust'), `buttons: ${run.buttons.join(', ')}`);
    await vscode.commands.executeCommand('workerStudio.debug');
    const debug = await ui<{ message: string; buttons: string[] }>('notification.find', { text: 'cannot debug the worker here' });
    assert.ok(debug.buttons.includes('Manage Workspace Trust'), `buttons: ${debug.buttons.join(', ')}`);
  });
});
