/**
 * What crosses to the host for time, crypto and network (slice D): the References the host hands the isolate at
 * `connect`, and the plain data they carry. Pure types: imported by the host (runtime/src/hostServices.ts) and the prelude.
 *
 * Direction and call style, fixed for each reference (the isolate may block on the host, never the other way round):
 * - timerSet/timerClear/fetchAbort/keyRelease: `applyIgnored` (fire and forget, in order).
 * - randomBytes: `applySync` (getRandomValues is synchronous; the host answers from its event loop).
 * - subtle/fetch: `apply` with `result.promise` (the host's promise settles the isolate's).
 * - Bodies (bodyStreams.ts), chunk by chunk: a host body (a fetch response's, the incoming request's) is a
 *   HostBodyReference the isolate pulls with `apply` and `result.promise`; an isolate body (a fetch request's, the
 *   worker's response's) is pulled by the host with the bridge's `read(id)` / `cancel(id)`, async `apply`.
 * - Host → isolate: the host calls the bridge's `fireTimer(id)` with async `apply`, never a sync call.
 *
 * A host function the isolate applies never rejects: a rejected host promise also counts as unhandled in the host
 * process. Failures come back as data (`{ ok: false, error }`, `{ error }`).
 */
import type { WireHeaders } from './wire.ts';

/** An isolated-vm Reference to a host function, as the isolate sees it. */
export interface IsolateReference<Args extends unknown[] = unknown[], Result = unknown> {
  apply(receiver: undefined, args: Args, options?: object): Promise<Result>;
  applySync(receiver: undefined, args: Args, options?: object): Result;
  applyIgnored(receiver: undefined, args: Args, options?: object): void;
}

export interface HostServiceReferences {
  /** `dueAt`: the isolate's clock when the timer was set, plus `ms` (see HostServices' timerSet). */
  timerSet: IsolateReference<[id: number, ms: number, dueAt: number]>;
  timerClear: IsolateReference<[id: number]>;
  randomBytes: IsolateReference<[length: number], Uint8Array>;
  subtle: IsolateReference<[op: SubtleOp, args: unknown[]], SubtleResult>;
  keyRelease: IsolateReference<[id: number]>;
  fetch: IsolateReference<[id: number, request: WireFetchRequest], WireFetchResult>;
  fetchAbort: IsolateReference<[id: number]>;
  /** A binding's operation (`env.KV.get(…)`): `apply` with `result.promise`; see runtime/src/bindings/bindingHost.ts. */
  binding: IsolateReference<[call: WireBindingCall], WireBindingResult>;
  /** The Cache API (`caches`): `apply` with `result.promise`; see runtime/src/bindings/cacheStore.ts. */
  cache: IsolateReference<[call: WireCacheCall], WireBindingResult>;
  /** A Durable Object id from a name (`applySync`: idFromName is synchronous): 64 hex digits, the same for a name. */
  objectIdFromName: IsolateReference<[binding: string, name: string], string>;
  /** An object's storage (`apply`, `result.promise`): runtime/src/bindings/objectStorage.ts. */
  objectStorage: IsolateReference<[call: WireObjectStorageCall], WireBindingResult>;
  /** An object's `sql.exec` (`applySync`: synchronous in the API). */
  objectSql: IsolateReference<[object: { className: string; id: string }, query: string, bindings: unknown[]], WireBindingResult>;
}

/** One storage operation of the object `className`/`id`. */
export interface WireObjectStorageCall {
  className: string;
  id: string;
  op: string;
  args: unknown[];
}

/** One Cache API operation on the cache named `cache` (`default` for caches.default) for a GET of `url`. */
export interface WireCacheCall {
  cache: string;
  op: 'match' | 'put' | 'delete';
  url: string;
  /** The request's headers (match: conditional and range headers; put: what Vary would name). */
  headers: [string, string][];
  /** put: the response to store. */
  response?: { status: number; headers: [string, string][]; body: Uint8Array };
}

/** A binding the isolate puts on `env`: its name and kind (the host knows where its data lives). */
export interface WireBinding {
  name: string;
  kind: 'kv' | 'd1' | 'r2' | 'queue' | 'durableObject' | 'service';
}

/** One operation of a binding: e.g. `{ binding: 'KV', op: 'get', args: ['key', undefined] }`. */
export interface WireBindingCall {
  binding: string;
  op: string;
  args: unknown[];
}

export type WireBindingResult = { ok: true; value: unknown } | { ok: false; error: WireThrown };

export type SubtleOp =
  | 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'digest' | 'generateKey' | 'deriveKey' | 'deriveBits'
  | 'importKey' | 'exportKey' | 'wrapKey' | 'unwrapKey';

/** A CryptoKey as it crosses: the host keeps the real key in a per-isolate map under `id`. */
export interface WireCryptoKey {
  $cryptoKey: number;
  type: string;
  extractable: boolean;
  algorithm: Record<string, unknown>;
  usages: string[];
}

/** Any thrown error as data: DOMException names (OperationError, NotSupportedError, …) or TypeError/Error. */
export interface WireThrown {
  name: string;
  message: string;
}

export type SubtleResult = { ok: true; value: unknown } | { ok: false; error: WireThrown };

export interface WireFetchRequest {
  method: string;
  url: string;
  headers: WireHeaders;
  /** Known bytes (sent with a Content-Length), or null (no body, or a stream: see `stream`). */
  body: Uint8Array | null;
  /** A streamed body: the id the host pulls with the bridge's `read(id)` (see bodyStreams.ts `sendStream`). */
  stream?: number;
  /** A host body passed on untouched (the incoming request's, another fetch's response): the host reads it itself. */
  hostBody?: HostBodyReference;
  redirect: 'follow' | 'manual' | 'error';
  /** The id of the request (or event) it is made for, absent outside one. */
  io?: number;
}

export interface WireFetchResponse {
  status: number;
  statusText: string;
  headers: WireHeaders;
  url: string;
  redirected: boolean;
  /** The body, pulled chunk by chunk as the worker reads it; null for no body (HEAD, 101/204/205/304). */
  body: HostBodyReference | null;
}

/** One pull of a host body: the next chunk, null at its end, undefined for `cancel`, or the failure as data. */
export type HostBodyResult = Uint8Array | null | undefined | { error: WireThrown };

/** A body the host holds, as the isolate pulls it: `read` → the next chunk, `cancel` → the host drops it. */
export type HostBodyReference = IsolateReference<[op: 'read' | 'cancel'], HostBodyResult>;

export type WireFetchResult = { ok: true; response: WireFetchResponse } | { ok: false; error: WireThrown };
