/**
 * The isolate's end of the host services (time, crypto, network): set once by the bridge's `connect`.
 * Also the shared helpers of that slice: DOMException-shaped errors and "report like an uncaught error".
 */
import type { HostServiceReferences, WireThrown } from './hostWire.ts';

let services: HostServiceReferences | undefined;
let log: ((level: 'error', message: string) => void) | undefined;

export function connectHost(references: HostServiceReferences, hostLog: (level: 'error', message: string) => void): void {
  services = references;
  log = hostLog;
}

/** The host references; throws if used before `connect` (e.g. a prelude-time call). */
export function host(): HostServiceReferences {
  if (!services) throw new Error('Host services are not connected');
  return services;
}

/** A DOMException when the global exists (slice B provides it), else an Error with the same name. */
export function domException(message: string, name: string): Error {
  const Ctor = (globalThis as { DOMException?: new (message: string, name: string) => Error }).DOMException;
  if (typeof Ctor === 'function') return new Ctor(message, name);
  const err = new Error(message);
  err.name = name;
  return err;
}

/** A host-side error (as data) thrown again inside the isolate with the kind of error the Web APIs use. */
export function rethrown(error: WireThrown): Error {
  if (error.name === 'TypeError') return new TypeError(error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  if (error.name === 'Error') return new Error(error.message);
  return domException(error.message, error.name);
}

/** Logs an exception nobody can catch (timer callbacks, rejected background promises) as workerd does. */
export function reportUncaught(err: unknown, where: string): void {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  log?.('error', `Uncaught (in ${where}) ${text}`);
}
