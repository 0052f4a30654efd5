/**
 * RPC into this worker from a service binding of another worker: the entrypoint (`WorkerEntrypoint` class — the
 * default export, or a named one) is made for the call with `(ctx, env)`, as workerd does per call, and the method runs
 * with the caller's structured-clone arguments. Answers as data, never rejects.
 */
import { ExecutionContext } from './handlers.ts';
import type { ObjectEventResult } from './objects.ts';

export interface WireRpcCall {
  /** The export's name; null: the default export. */
  entrypoint: string | null;
  method: string;
  args: unknown[];
}

let workerExports: Record<string, unknown> = {};
let workerEnv: Record<string, unknown> = {};

export function setEntrypoints(exports: Record<string, unknown>, env: Record<string, unknown>): void {
  workerExports = exports;
  workerEnv = env;
}

const NOT_RPC = new Set(['constructor', 'fetch', 'scheduled', 'queue', 'tail', 'trace']);

export async function runRpc(call: WireRpcCall): Promise<ObjectEventResult> {
  try {
    const name = call.entrypoint ?? 'default';
    const Entrypoint = workerExports[name];
    if (typeof Entrypoint !== 'function') {
      throw new TypeError(call.entrypoint === null ? 'The worker has no WorkerEntrypoint as its default export: RPC needs `export default class extends WorkerEntrypoint { … }`.' : `The worker has no entrypoint named ${call.entrypoint}.`);
    }
    const instance = new (Entrypoint as new (ctx: unknown, env: unknown) => Record<string, unknown>)(new ExecutionContext(), workerEnv);
    const method = NOT_RPC.has(call.method) ? undefined : instance[call.method];
    if (typeof method !== 'function') throw new TypeError(`The RPC receiver does not implement the method "${call.method}".`);
    return { ok: true, value: await (method as (...args: unknown[]) => unknown).apply(instance, call.args) };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) } };
  }
}
