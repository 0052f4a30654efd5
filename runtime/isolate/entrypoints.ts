/**
 * RPC into this worker from a service binding of another worker: the entrypoint (`WorkerEntrypoint` class — the
 * default export, or a named one) is made for the call with `(ctx, env)`, as workerd does per call, and the method runs
 * with the caller's structured-clone arguments. Answers as data, never rejects.
 */
import { ExecutionContext } from './handlers.ts';
import { failedResult, loadedWorker, rpcMethod } from './loadedWorker.ts';
import type { ObjectEventResult } from './objects.ts';

export interface WireRpcCall {
  /** The export's name; null: the default export. */
  entrypoint: string | null;
  method: string;
  args: unknown[];
}

const NOT_RPC = new Set(['constructor', 'fetch', 'scheduled', 'queue', 'tail', 'trace']);

export async function runRpc(call: WireRpcCall): Promise<ObjectEventResult> {
  try {
    const name = call.entrypoint ?? 'default';
    const Entrypoint = loadedWorker.exports[name];
    if (typeof Entrypoint !== 'function') {
      throw new TypeError(call.entrypoint === null ? 'The worker has no WorkerEntrypoint as its default export: RPC needs `export default class extends WorkerEntrypoint { … }`.' : `The worker has no entrypoint named ${call.entrypoint}.`);
    }
    const instance = new (Entrypoint as new (ctx: unknown, env: unknown) => Record<string, unknown>)(new ExecutionContext(), loadedWorker.env);
    return { ok: true, value: await rpcMethod(instance, call.method, (name) => !NOT_RPC.has(name)).apply(instance, call.args) };
  } catch (err) {
    return failedResult(err);
  }
}
