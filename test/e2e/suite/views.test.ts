/**
 * The Workers view, the status bar, notifications and settings (issue 6, points 5 and 6), in the real workbench.
 * The tree is read through the TreeDataProvider the extension exports (the figures come from the sidecar); what a
 * user sees — the status-bar text, notifications and their buttons (the question about a workspace's nodePath
 * too) — is read and clicked in the page through the UI driver (suite/ui.ts; notifications in the notifications
 * center: the workbench shows no toasts under the smoke-test driver). Runs after the other files, on
 * hello/ (examples/hello); every test leaves no worker running and the settings as they were.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { InstanceStats, RequestRecord } from '../../../common/protocol.ts';
import type { WorkersTreeNode } from '../../../client/src/workersView.ts';
import { inWorkspace, sendRequest, showNotificationsCenter, studioApi, waitForEvent, within, startWorker, stopWorkers } from './support.ts';
import { ui, uiTest } from './ui.ts';

type Api = ReturnType<typeof studioApi>;
type InstanceNode = Extract<WorkersTreeNode, { kind: 'instance' }>;

/** The status-bar item's element in the page (its DOM id ends with the item's id). */
const STATUS_ITEM = '[id$="workerStudio.status"]';
/** The Output panel's view body, when it is in the page. */
const OUTPUT_VIEW = '.output-view';

const hello = () => inWorkspace('hello').fsPath;

/** The tree's worker nodes and, for the first, its instance nodes (fresh figures from the sidecar). */
async function readTree(api: Api): Promise<{ worker: WorkersTreeNode; instances: InstanceNode[] }> {
  const roots = (await api.workersTree.getChildren()) ?? [];
  assert.equal(roots.length, 1, `the tree should show the one running worker; roots: ${roots.length}`);
  const worker = roots[0]!;
  const instances = ((await api.workersTree.getChildren(worker)) ?? []) as InstanceNode[];
  return { worker, instances };
}

const figures = (instances: InstanceNode[]) => instances.map(({ stats }) => `#${stats.instance}: ${JSON.stringify(stats)}`).join(' | ');

/** The program a process was started as (argv[0]): which Node the sidecar runs on. */
const argv0 = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];

suite('Workers view, status bar, notifications and settings', () => {
  let api: Api;
  const config = () => vscode.workspace.getConfiguration('workerStudio');

  suiteSetup(async () => {
    api = studioApi();
    await stopWorkers();
  });

  teardown(async () => {
    await stopWorkers();
    for (const key of ['instances', 'nodePath']) {
      if (config().inspect(key)?.workspaceValue !== undefined) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('the tree shows the running worker and its instances, whose counts follow the requests they serve', async () => {
    const worker = await startWorker(hello());
    let { worker: node, instances } = await readTree(api);
    const item = await api.workersTree.getTreeItem(node);
    assert.equal(item.label, 'hello');
    assert.equal(item.description, worker.url, 'the worker row shows its URL');
    assert.match(String(item.contextValue), /^worker hasConfig$/, 'hello has a wrangler.toml: Open Config is offered');
    assert.deepEqual(instances.map(({ stats }) => [stats.instance, stats.served, stats.evictions]), [[1, 0, 0], [2, 0, 0]], `two fresh instances: ${figures(instances)}`);

    // Four requests, and the records of which instance served each: the tree must agree with them.
    const records: RequestRecord[] = [];
    const recording = api.onDidCompleteRequest((record) => records.push(record));
    const redrawn = waitForEvent(api.workersTree.onDidChangeTreeData!, () => (records.length >= 4 ? true : undefined), 20_000, () => `the tree was not redrawn after the requests (${records.length} records)`);
    try {
      for (let i = 1; i <= 4; i++) assert.equal((await sendRequest({ method: 'GET', path: `/json?views=${i}` }))?.status, 200);
      await waitForEvent(api.onDidCompleteRequest, () => (records.filter((r) => r.url.includes('views=')).length === 4 ? true : undefined), 20_000, () => `records: ${records.map((r) => r.url).join(', ')}`);
      await redrawn;
    } finally {
      recording.dispose();
    }
    ({ instances } = await readTree(api));
    const served = (n: number) => records.filter((r) => r.url.includes('views=') && r.instance === n);
    for (const { stats } of instances) {
      assert.equal(stats.served, served(stats.instance).length, `instance #${stats.instance}: the tree says ${stats.served}, the request records ${served(stats.instance).length}; ${figures(instances)}`);
      assert.ok(stats.cpuMs > 0, `instance #${stats.instance} served requests with no CPU time: ${JSON.stringify(stats)}`);
    }
    assert.equal(instances.reduce((sum, { stats }) => sum + stats.served, 0), 4);
    const first = await api.workersTree.getTreeItem(instances[0]!);
    assert.equal(first.label, '#1');
    assert.match(String(first.description), new RegExp(`^${instances[0]!.stats.served} requests? · [\\d.]+ ms CPU · [\\d.]+ MB$`), `instance row: ${String(first.description)}`);
    assert.equal(first.contextValue, 'instance');
  });

  test('evicting from the tree resets that instance (its eviction counted); "Evict All Instances" resets both', async () => {
    await startWorker(hello());
    for (let i = 1; i <= 2; i++) await sendRequest({ method: 'GET', path: `/json?evict=${i}` });
    let { worker, instances } = await readTree(api);
    const before = instances.find(({ stats }) => stats.instance === 1)!;

    assert.deepEqual(await vscode.commands.executeCommand('workerStudio.evictInstance', before), [1]);
    ({ instances } = await readTree(api));
    const one = instances.find(({ stats }) => stats.instance === 1)!.stats;
    const two = instances.find(({ stats }) => stats.instance === 2)!.stats;
    assert.deepEqual([one.served, one.cpuMs, one.evictions, one.lastEviction], [0, 0, 1, 'requested'], `after evicting #1: ${figures(instances)}`);
    assert.equal(two.evictions, 0, `#2 was not evicted: ${figures(instances)}`);
    assert.match(String((await api.workersTree.getTreeItem(instances[0]!)).description), /evicted 1×/);

    assert.deepEqual(await vscode.commands.executeCommand('workerStudio.evictAll', worker), [1, 2]);
    ({ instances } = await readTree(api));
    assert.deepEqual(instances.map(({ stats }: { stats: InstanceStats }) => [stats.served, stats.evictions]), [[0, 2], [0, 1]], `after Evict All: ${figures(instances)}`);
  });

  test('"Restart Worker" on the tree\'s worker starts a new sidecar for the same folder; "Open Worker Config" opens its wrangler.toml', async () => {
    const before = await startWorker(hello());
    const { worker } = await readTree(api);
    const restarted = waitForEvent(api.onDidChangeWorkers, () => api.workers().find((w) => w.pid !== before.pid), 45_000, () => `no new worker after Restart Worker: ${JSON.stringify(api.workers())}`);
    await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.restart', worker)), 45_000, () => 'workerStudio.restart');
    const after = await restarted;
    assert.equal(api.workers().length, 1, `one worker after the restart: ${JSON.stringify(api.workers())}`);
    assert.throws(() => process.kill(before.pid!, 0), /ESRCH/, `the old sidecar ${before.pid} still runs after the restart`);
    assert.equal((await sendRequest({ method: 'GET', path: '/' }))?.status, 200, `the restarted worker ${after.url} serves`);

    const opened = await vscode.commands.executeCommand<string>('workerStudio.openConfig', (await readTree(api)).worker);
    assert.equal(opened, inWorkspace('hello', 'wrangler.toml').fsPath);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, opened, 'the config is not the active editor');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('the status bar shows the state: starting, bundling, loading, running on its URL, then stopped; clicking it is "open the request panel"', async () => {
    const texts: string[] = [];
    const recording = api.onDidChangeStatusBar(() => texts.push(api.statusBar().text));
    let worker;
    try {
      worker = await startWorker(hello());
    } finally {
      recording.dispose();
    }
    assert.deepEqual(
      texts.filter((text, i) => text !== texts[i - 1]),
      ['$(loading~spin) Worker: starting', '$(loading~spin) Worker: bundling', '$(loading~spin) Worker: loading', `$(radio-tower) ${worker.url.replace('http://', '')}`],
      'the states the status bar went through while hello started',
    );
    const host = worker.url.replace('http://', '');
    assert.equal(api.statusBar().text, `$(radio-tower) ${host}`);
    assert.equal(api.statusBar().command, 'workerStudio.requestPanel.focus');
    assert.match(api.statusBar().tooltip, new RegExp(`on ${worker.url.replace(/[.]/g, '\\.')}`));
    await stopWorkers();
    assert.equal(api.statusBar().text, '$(circle-slash) Worker stopped');
  });

  uiTest('the status-bar item in the workbench shows the URL, the Workers view renders the tree (screenshot), the output logs each request', async () => {
    const worker = await startWorker(hello());
    const host = worker.url.replace('http://', '');
    const text = await ui<string>('workbench.waitForText', { selector: STATUS_ITEM, hasText: host });
    assert.ok(text.includes(host), `status bar: ${text}`);
    await vscode.commands.executeCommand('workerStudio.workers.focus');
    // Requests on both instances, then the rows show them (the view redraws after requests).
    for (let i = 1; i <= 3; i++) await sendRequest({ method: 'GET', path: `/json?shot=${i}` });
    await ui('workbench.waitForText', { selector: '.monaco-list-row', hasText: '2 requests' }); // (alternating instances: 2 and 1)
    const screenshots = process.env.WORKER_STUDIO_E2E_SCREENSHOTS;
    if (screenshots) {
      const shot = await ui<{ file: string }>('page.screenshot', { file: path.join(screenshots, 'workers-tree.png'), selector: '.part.sidebar' });
      console.log(`    (screenshot ${shot.file})`);
    }
    // The output channel (opened by the user: Show Output) has one line per request, as the CLI prints it.
    await vscode.commands.executeCommand('workerStudio.showOutput');
    const output = await ui<string>('workbench.waitForText', { selector: OUTPUT_VIEW, hasText: 'GET /json?shot=3 200 ' });
    // (the editor renders spaces as no-break spaces)
    assert.match(output.replace(/\s+/g, ' '), /GET \/json\?shot=3 200 [\d.]+ms cpu [\d.]+ms wall #[12]/, 'the request line in the Worker Studio output');
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });

  uiTest('a failure shows a notification offering "Open Output", and does not open the output channel itself', async () => {
    const missing = inWorkspace('no-such-worker').fsPath;
    await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.start', missing)), 45_000, () => `workerStudio.start ${missing}`);
    await showNotificationsCenter();
    assert.equal(api.statusBar().text, '$(error) Worker failed', 'the status bar says the start failed');
    const toast = await ui<{ message: string; buttons: string[] }>('notification.find', { text: 'Could not start the worker' });
    assert.ok(toast.buttons.includes('Open Output'), `the notification's buttons: ${toast.buttons.join(', ')}`);
    assert.ok(toast.message.includes('no-such-worker'), `the notification says what failed: ${toast.message}`);
    const output = await ui<{ visible: boolean }[]>('workbench.elements', { selector: OUTPUT_VIEW });
    assert.ok(!output.some((o) => o.visible), 'the output channel was opened without the user asking');
    // The button does open it: the check above looks at the right element.
    await ui('notification.click', { text: 'Could not start the worker', button: 'Open Output' });
    await ui('workbench.waitForText', { selector: OUTPUT_VIEW, hasText: 'Could not start the worker' });
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });

  uiTest('changing workerStudio.instances offers "Restart"; the restarted worker has that many instances', async () => {
    const before = await startWorker(hello());
    await config().update('instances', 3, vscode.ConfigurationTarget.Workspace);
    await showNotificationsCenter();
    const restarted = waitForEvent(api.onDidChangeWorkers, () => api.workers().find((w) => w.pid !== before.pid), 45_000, () => `no new worker after Restart: ${JSON.stringify(api.workers())}`);
    const offer = await ui<{ message: string }>('notification.click', { text: 'workerStudio.instances changed', button: 'Restart' });
    assert.match(offer.message, /restart the running worker/);
    await restarted;
    assert.throws(() => process.kill(before.pid!, 0), /ESRCH/, `the old sidecar ${before.pid} still runs after the restart`);
    const { instances } = await readTree(api);
    assert.deepEqual(instances.map(({ stats }) => stats.instance), [1, 2, 3], `after the restart: ${figures(instances)}`);
  });

  uiTest('a nodePath from the workspace settings runs only once allowed; the answer is remembered per path', async () => {
    const realNode = process.env.WORKER_STUDIO_NODE;
    assert.ok(realNode, 'the runner gives the extension host WORKER_STUDIO_NODE (a Node >= 24)');
    // Two names for that Node: the sidecar's argv[0] tells which one ran it.
    const bin = inWorkspace('.node-bin').fsPath;
    mkdirSync(bin, { recursive: true });
    const refused = path.join(bin, 'refused-node');
    const allowed = path.join(bin, 'allowed-node');
    symlinkSync(realNode, refused);
    symlinkSync(realNode, allowed);

    await config().update('nodePath', refused, vscode.ConfigurationTarget.Workspace);
    await showNotificationsCenter();
    let starting = startWorker(hello());
    const question = await ui<{ message: string; buttons: string[] }>('notification.click', { text: refused, button: "Don't Allow" });
    assert.match(question.message, /workspace's settings set workerStudio\.nodePath/);
    let worker = await starting;
    assert.notEqual(argv0(worker.pid!), refused, 'the refused program ran the worker');
    await stopWorkers();
    // Remembered: no question this time (the start would wait for an answer), and still not that program.
    worker = await startWorker(hello());
    assert.notEqual(argv0(worker.pid!), refused, 'the refused program ran the worker on the second start');
    await stopWorkers();

    await config().update('nodePath', allowed, vscode.ConfigurationTarget.Workspace);
    await showNotificationsCenter(); // (it closed when its last notification was answered)
    starting = startWorker(hello());
    await ui('notification.click', { text: allowed, button: 'Allow' });
    worker = await starting;
    assert.equal(argv0(worker.pid!), allowed, 'the allowed program did not run the worker');
  });
});
