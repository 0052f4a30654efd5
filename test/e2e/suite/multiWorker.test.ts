/**
 * Workers bound to each other across folders of the workspace (multi/web → multi/api: service bindings and a Durable
 * Object class of api's): starting web starts api in the same sidecar (common/workerCompanions.ts), so web's bindings
 * reach it — the extension's path to `worker-studio dev -c web -c api`.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { inWorkspace, studioApi, waitForEvent, within } from './support.ts';

suite('Workers bound to each other across folders', () => {
  const stopAll = async () => {
    const api = studioApi();
    await vscode.commands.executeCommand('workerStudio.stop');
    await waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running: ${JSON.stringify(api.workers())}`);
  };
  suiteSetup(stopAll);
  suiteTeardown(stopAll);

  test('starting multi/web also runs multi/api in its sidecar: RPC, fetch and a Durable Object of api work from web', async () => {
    const api = studioApi();
    const web = inWorkspace('multi', 'web').fsPath;
    const listed = waitForEvent(api.onDidChangeWorkers, () => api.workers()[0], 45_000, () => `workerStudio.start ${web} listed no worker (see the Worker Studio log)`);
    await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.start', web)), 45_000, () => `workerStudio.start ${web}`);
    const { url } = await listed;
    assert.equal(api.workers().length, 1, 'one sidecar for both workers');

    const rpc = (await (await fetch(`${url}/rpc`)).json()) as { add: number; admin: string };
    assert.equal(rpc.add, 5);
    assert.equal(rpc.admin, 'admin of operator');
    const viaFetch = (await (await fetch(`${url}/fetch`)).json()) as { status: number; answer: { worker: string; path: string } };
    assert.deepEqual([viaFetch.status, viaFetch.answer.worker, viaFetch.answer.path], [200, 'api', '/api/hello']);
    const objects = (await (await fetch(`${url}/objects`)).json()) as { fromWeb: number[]; fromApi: number };
    assert.deepEqual(objects, { fromWeb: [1, 2], fromApi: 3 });
    // api's own route goes to api.
    assert.equal(((await (await fetch(`${url}/api/x`)).json()) as { worker: string }).worker, 'api');
  });
});
