/**
 * F5 with no active editor in a workspace with several worker folders (client/src/workerPick.ts): VS Code asks which
 * worker in a quick pick listing exactly the folders that have a wrangler config, and runs the one picked. The pick is
 * answered through the workbench's DOM by the UI driver (`quickPick.select`), as a user clicks it; that the right
 * worker runs is checked by what it answers (the E2E workspace's panel/ worker echoes requests on /echo, the debug/
 * worker F5 would otherwise be likely to run greets).
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAMES } from '../../../common/workerProject.ts';
import { sendRequest, studioApi, waitForEvent, within, workspaceFolder } from './support.ts';
import { ui, uiTest } from './ui.ts';

/** The worker the test picks; the panel worker answers `/echo` with what it was sent. */
const PICKED = 'panel';

/** Every folder of the workspace with a wrangler config, relative to it (as the quick pick labels them), sorted by path. */
function workerFoldersOnDisk(): string[] {
  const root = workspaceFolder().uri.fsPath;
  const skipped = /(^|[\\/])(node_modules|\.worker-studio|\.wrangler|dist)([\\/]|$)/;
  const folders = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(file)) && !skipped.test(file))
    .map((file) => path.dirname(file) || '.');
  return [...new Set(folders)].sort((a, b) => path.join(root, a).localeCompare(path.join(root, b)));
}

suite('F5 with no active editor (which worker?)', () => {
  uiTest('F5 with no editor open offers the worker folders in a quick pick and runs the one picked', async () => {
    const api = studioApi();
    assert.deepEqual(api.workers(), [], 'needs no running worker (the tests before this file stop theirs)');
    const expected = workerFoldersOnDisk();
    assert.ok(expected.length > 1 && expected.includes(PICKED), `the E2E workspace should have several worker folders, ${PICKED}/ among them: ${expected.join(', ')}`);
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(vscode.window.activeTextEditor, undefined, 'an editor is still active after closing all editors');

    // F5 with no launch.json runs `workerStudio.debug`; it resolves once the pick is answered and the session started.
    let settled = 'still pending';
    const debugging = Promise.resolve(vscode.commands.executeCommand<boolean>('workerStudio.debug')).then(
      (ok) => ((settled = `resolved ${String(ok)}`), ok),
      (err: unknown) => ((settled = `failed: ${String(err)}`), false),
    );
    try {
      const offered = await ui<{ placeholder: string; count: number; labels: string[] }>('quickPick.select', { label: PICKED }, 30_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n      (workerStudio.debug: ${settled})`);
      });
      // The list is virtual (only the rows in view are in the page): every row in view is a worker folder, in order,
      // and the list has as many items as there are worker folders.
      assert.equal(offered.count, expected.length, `the quick pick lists ${offered.count} items (in view: ${offered.labels.join(', ')}); worker folders: ${expected.join(', ')}`);
      assert.deepEqual(offered.labels, expected.slice(0, offered.labels.length), 'the quick pick lists the folders with a wrangler config, sorted, and only those');
      assert.match(offered.placeholder, /which worker/i, 'the quick pick says what it asks');

      const ok = await within(debugging, 45_000, () => `workerStudio.debug after picking ${PICKED} (${settled})`);
      assert.equal(ok, true, 'workerStudio.debug did not start a debug session after the pick (see the Worker Studio log)');
      assert.equal(api.workers().length, 1, `one worker should run: ${JSON.stringify(api.workers())}`);

      const result = await within(sendRequest({ method: 'GET', path: '/echo?picked=yes' }), 30_000, () => 'GET /echo?picked=yes');
      assert.ok(result, 'workerStudio.sendRequest returned nothing for GET /echo?picked=yes');
      assert.equal(result.status, 200, `GET /echo?picked=yes: ${JSON.stringify(result)}`);
      const echoed = JSON.parse(result.body) as { query?: Record<string, string> };
      assert.deepEqual(echoed.query, { picked: 'yes' }, `the ${PICKED}/ worker echoes the query; another worker answered: ${result.body}`);
    } finally {
      // A pick left open (the scenario failed) would keep workerStudio.debug waiting: dismissing it ends the command.
      if (settled === 'still pending') await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await within(debugging, 45_000, () => `workerStudio.debug (${settled})`).catch(() => undefined);
      if (api.workers().length > 0) {
        const gone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running: ${JSON.stringify(api.workers())}`);
        await vscode.debug.stopDebugging();
        await gone;
      }
    }
  });
});
