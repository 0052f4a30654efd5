/**
 * Workers bound to each other across folders of the workspace (multi/web → multi/api: service bindings and a Durable
 * Object class of api's): starting web starts api in the same sidecar (common/workerCompanions.ts), so web's bindings
 * reach it — the extension's path to `worker-studio dev -c web -c api`.
 */
import * as assert from 'node:assert/strict';
import { inWorkspace, studioApi, startWorker, stopWorkers } from './support.ts';

suite('Workers bound to each other across folders', () => {
  suiteSetup(stopWorkers);
  suiteTeardown(stopWorkers);

  test('starting multi/web also runs multi/api in its sidecar: RPC, fetch and a Durable Object of api work from web', async () => {
    const api = studioApi();
    const { url } = await startWorker(inWorkspace('multi', 'web').fsPath);
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
