/**
 * The worker module once it has loaded (bridge `start`): its exports and its env. Durable Object classes and RPC
 * entrypoints are made from them per event; an event's failure crosses to the host as data.
 */
import type { ObjectEventResult } from './objects.ts';

export const loadedWorker: { exports: Record<string, unknown>; env: Record<string, unknown> } = { exports: {}, env: {} };

export function setLoadedWorker(exports: Record<string, unknown>, env: Record<string, unknown>): void {
  loadedWorker.exports = exports;
  loadedWorker.env = env;
}

/** An RPC call's method on `instance`: a TypeError (as workerd's) when it is missing or not `reachable`. */
export function rpcMethod(instance: Record<string, unknown>, method: string, reachable: (name: string) => boolean): (...args: unknown[]) => unknown {
  const found = reachable(method) ? instance[method] : undefined;
  if (typeof found !== 'function') throw new TypeError(`The RPC receiver does not implement the method "${method}".`);
  return found as (...args: unknown[]) => unknown;
}

/** A thrown value as an event's failed result. */
export function failedResult(err: unknown): ObjectEventResult {
  const error = err instanceof Error ? err : new Error(String(err));
  return { ok: false, error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) } };
}
