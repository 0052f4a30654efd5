/**
 * The host side of what crosses out of a worker for time, crypto and network: one object of References handed to
 * the isolate at `connect` (see runtime/isolate/hostWire.ts for the calling convention of each). Bodies that cross as
 * streams have their host ends in hostBodies.ts.
 * Everything here belongs to one worker instance: `dispose()` clears its timers, aborts its outbound requests (with
 * their streamed bodies) and drops its keys, so a disposed isolate leaves nothing running on the host.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import ivm from 'isolated-vm';
import type { SubtleOp, SubtleResult, WireBindingCall, WireBindingResult, WireCacheCall, WireCryptoKey, WireObjectStorageCall, WireFetchRequest, WireFetchResult } from '../isolate/hostWire.ts';
import { NULL_BODY_STATUSES, type BodyReader } from '../isolate/wire.ts';
import { Outbound, returnedBody, thrown } from './hostBodies.ts';
import type { BindingHost } from './bindings/bindingHost.ts';

type FireTimer = ivm.Reference<(id: number) => boolean>;
type HostKey = webcrypto.CryptoKey;

const MAX_RANDOM_BYTES = 65536;
/** Live host timers per isolate (the prelude refuses more first; this is the host's own guard). */
export const MAX_TIMERS = 10_000;
/** Live CryptoKeys per isolate. */
export const MAX_KEYS = 10_000;
/** Node >= 24 exposes the WebCrypto CryptoKey class as a global. */
const HostCryptoKey = (globalThis as unknown as { CryptoKey: abstract new () => HostKey }).CryptoKey;

function isMd5(algorithm: unknown): boolean {
  const name = typeof algorithm === 'object' && algorithm !== null ? (algorithm as { name?: unknown }).name : algorithm;
  return typeof name === 'string' && name.toUpperCase() === 'MD5';
}

/** Members in the order workerd lists them; the rest (any others) after, as they were. */
function reorder(record: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (key in record) out[key] = record[key];
  for (const [key, value] of Object.entries(record)) if (!(key in out)) out[key] = value;
  return out;
}

/** workerd's exported JWK: kty, key_ops, alg, ext, then the key material. */
function jwkInWorkerdOrder(jwk: Record<string, unknown>): Record<string, unknown> {
  return reorder(jwk, ['kty', 'key_ops', 'alg', 'ext', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi', 'k']);
}

/** workerd's HMAC key algorithm: name, hash, length (Node has name, length, hash). */
function algorithmInWorkerdOrder(algorithm: Record<string, unknown>): Record<string, unknown> {
  return algorithm.name === 'HMAC' ? reorder(algorithm, ['name', 'hash', 'length']) : { ...algorithm };
}

/** Records one outbound fetch of a request (see requestTrace.ts): its response head or failure, then its end. */
export interface SubrequestTracker {
  head(status: number): void;
  failed(error: string): void;
  end(): void;
}

export interface HostServicesOptions {
  /** An error nobody in the worker can catch (a rejection left unhandled while a timer ran, a dropped timer). */
  onUncaught(err: unknown): void;
  /** A fetch starts for request `io` (the id it was dispatched with): where to record it, if anywhere. */
  onSubrequest?(io: number, method: string, url: string): SubrequestTracker | undefined;
  /** Where `env` bindings' operations go (runtime/src/bindings/bindingHost.ts); none: the worker has no bindings. */
  bindings?: BindingHost;
}

/** The SubtleCrypto methods the isolate may call (nothing else on `webcrypto.subtle` is reachable). */
const SUBTLE_OPS: ReadonlySet<string> = new Set<SubtleOp>(['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'generateKey', 'deriveKey', 'deriveBits', 'importKey', 'exportKey', 'wrapKey', 'unwrapKey']);

/** Only http: and https: leave the host, as in workerd. */
function checkFetchUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError(`Fetch API cannot load: ${url}`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new TypeError(`Fetch API cannot load: ${url}`);
}

export class HostServices {
  readonly #onUncaught: HostServicesOptions['onUncaught'];
  readonly #onSubrequest: HostServicesOptions['onSubrequest'];
  readonly #bindings: HostServicesOptions['bindings'];
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #requests = new Map<number, Outbound>();
  readonly #keys = new Map<number, HostKey>();
  readonly #references: ivm.Reference[] = [];
  #nextKey = 1;
  #fire: FireTimer | undefined;
  /** The isolate's side of a streamed request body, by the id of its `sendStream` (see `attachBodies`). */
  #isolateBody: ((id: number) => BodyReader) | undefined;
  #disposed = false;

  constructor(options: HostServicesOptions) {
    this.#onUncaught = options.onUncaught;
    this.#onSubrequest = options.onSubrequest;
    this.#bindings = options.bindings;
  }

  /** The References object to pass (as a copy) to the bridge's `connect`. */
  toIsolate(): ivm.Copy<Record<string, ivm.Reference>> {
    const ref = <F extends (...args: never[]) => unknown>(fn: F) => {
      const reference = new ivm.Reference(fn);
      this.#references.push(reference);
      return reference;
    };
    return new ivm.ExternalCopy({
      timerSet: ref((id: number, ms: number, dueAt: number) => this.#timerSet(id, ms, dueAt)),
      timerClear: ref((id: number) => this.#timerClear(id)),
      randomBytes: ref((length: number) => new Uint8Array(randomBytes(Math.min(Math.max(0, length | 0), MAX_RANDOM_BYTES)))),
      subtle: ref((op: SubtleOp, args: unknown[]) => this.#subtle(op, args)),
      keyRelease: ref((id: number) => void this.#keys.delete(id)),
      fetch: ref((id: number, request: WireFetchRequest) => this.#fetch(id, request)),
      fetchAbort: ref((id: number) => this.#requests.get(id)?.abort()),
      binding: ref(
        async (call: WireBindingCall): Promise<WireBindingResult> =>
          this.#bindings?.call(call) ?? { ok: false, error: { name: 'Error', message: `No binding env.${call.binding}` } },
      ),
      cache: ref(
        async (call: WireCacheCall): Promise<WireBindingResult> =>
          this.#bindings?.cache(call) ?? { ok: false, error: { name: 'Error', message: 'The Cache API is not available here' } },
      ),
      objectIdFromName: ref((binding: string, name: string) => {
        if (!this.#bindings) throw new Error(`No binding env.${binding}`);
        return this.#bindings.objectIdFromName(binding, name);
      }),
      objectStorage: ref(
        async (call: WireObjectStorageCall): Promise<WireBindingResult> =>
          this.#bindings?.objectStorage(call) ?? { ok: false, error: { name: 'Error', message: 'Durable Object storage is not available here' } },
      ),
      objectSql: ref(
        (object: { className: string; id: string }, query: string, bindings: unknown[]): WireBindingResult =>
          this.#bindings?.objectSql(object, query, bindings) ?? { ok: false, error: { name: 'Error', message: 'Durable Object storage is not available here' } },
      ),
    }).copyInto() as ivm.Copy<Record<string, ivm.Reference>>;
  }

  /** The isolate's timer entry point (the bridge's `fireTimer`), taken once the prelude has run. */
  attach(fireTimer: FireTimer): void {
    this.#fire = fireTimer;
  }

  /** How the host pulls an isolate body by id (the bridge's `read(id)`/`cancel(id)`), once the bridge is there. */
  attachBodies(isolateBody: (id: number) => BodyReader): void {
    this.#isolateBody = isolateBody;
  }

  /** Live host timers / outbound requests (until their response body is done) / keys: for tests and diagnostics. */
  get stats(): { timers: number; requests: number; keys: number } {
    return { timers: this.#timers.size, requests: this.#requests.size, keys: this.#keys.size };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const outbound of [...this.#requests.values()]) outbound.abort();
    this.#requests.clear();
    this.#isolateBody = undefined;
    this.#keys.clear();
    for (const reference of this.#references) reference.release();
    this.#references.length = 0;
    this.#fire?.release();
    this.#fire = undefined;
  }

  // ── time ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A timer due at `dueAt` (the isolate's clock when it was set, plus `ms`), not `ms` from whenever the host gets to
   * the call: timers the worker sets one after the other fire in the order of their deadlines, as in workerd, even
   * when the host handles the calls later (a busy machine). Intervals then repeat every `ms`.
   */
  #timerSet(id: number, ms: number, dueAt: number = Date.now() + ms): void {
    if (this.#disposed) return;
    this.#timerClear(id);
    if (this.#timers.size >= MAX_TIMERS) {
      this.#onUncaught(new RangeError(`Too many live timers: a worker may have at most ${MAX_TIMERS}; this one was dropped`));
      return;
    }
    this.#timers.set(id, setTimeout(() => void this.#timerFire(id, ms), Math.max(0, dueAt - Date.now())));
  }

  #timerClear(id: number): void {
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
  }

  async #timerFire(id: number, ms: number): Promise<void> {
    const fire = this.#fire;
    if (this.#disposed || !fire) return;
    let again = false;
    try {
      // Async apply: the isolate may be paused in a debugger, and the host must never wait on it synchronously.
      again = (await fire.apply(undefined, [id], { result: { copy: true } })) === true;
    } catch (err) {
      // The callback's own exceptions are caught in the isolate; what fails this call is a promise rejection left
      // unhandled while the timer ran (isolated-vm reports it as the failure of the call).
      if (!this.#disposed) this.#onUncaught(err);
    }
    // Intervals re-arm only after the previous tick ran: a paused isolate never gets a backlog of ticks.
    if (this.#timers.has(id) && again && !this.#disposed) {
      this.#timers.set(id, setTimeout(() => void this.#timerFire(id, ms), ms));
    } else if (!again) {
      this.#timers.delete(id);
    }
  }

  // ── crypto ────────────────────────────────────────────────────────────────────────────────────────────

  #wireKey(key: HostKey): WireCryptoKey {
    if (this.#keys.size >= MAX_KEYS) throw new RangeError(`Too many live CryptoKeys: a worker may hold at most ${MAX_KEYS}`);
    const id = this.#nextKey++;
    this.#keys.set(id, key);
    return { $cryptoKey: id, type: key.type, extractable: key.extractable, algorithm: algorithmInWorkerdOrder(key.algorithm as unknown as Record<string, unknown>), usages: [...key.usages] };
  }

  /** `{ $cryptoKey: id }` markers (at any depth, e.g. ECDH's `public`) → the host's CryptoKeys. */
  #resolve(value: unknown, depth = 0): unknown {
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    const marker = (value as { $cryptoKey?: unknown }).$cryptoKey;
    if (typeof marker === 'number') {
      const key = this.#keys.get(marker);
      if (!key) throw new TypeError('The CryptoKey is no longer available');
      return key;
    }
    if (depth > 8) return value;
    if (Array.isArray(value)) return value.map((v) => this.#resolve(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.#resolve(v, depth + 1);
    return out;
  }

  #encode(value: unknown): unknown {
    if (value instanceof HostCryptoKey) return this.#wireKey(value);
    if (value instanceof ArrayBuffer) return value;
    if (typeof value === 'object' && value !== null && 'publicKey' in value && 'privateKey' in value) {
      const pair = value as webcrypto.CryptoKeyPair;
      return { publicKey: this.#wireKey(pair.publicKey), privateKey: this.#wireKey(pair.privateKey) };
    }
    return value;
  }

  async #subtle(op: SubtleOp, args: unknown[]): Promise<SubtleResult> {
    let result: SubtleResult;
    try {
      const subtle = webcrypto.subtle as unknown as Record<SubtleOp, (...a: unknown[]) => Promise<unknown>>;
      if (!SUBTLE_OPS.has(op) || typeof subtle[op] !== 'function') throw new TypeError(`Unknown SubtleCrypto operation ${op}`);
      const resolved = args.map((a) => this.#resolve(a));
      if (op === 'digest' && isMd5(resolved[0])) {
        // workerd also digests MD5 (WebCrypto does not).
        const data = resolved[1];
        if (!ArrayBuffer.isView(data)) throw new TypeError('The data must be a BufferSource');
        const hash = createHash('md5').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest();
        result = { ok: true, value: hash.buffer.slice(hash.byteOffset, hash.byteOffset + hash.byteLength) };
        return result;
      }
      if (op === 'exportKey' && resolved[1] instanceof HostCryptoKey && !resolved[1].extractable) {
        // workerd checks extractability before whether the format applies to the key.
        throw new DOMException('Attempt to export non-extractable key.', 'InvalidAccessError');
      }
      let value = await subtle[op].apply(webcrypto.subtle, resolved);
      if (op === 'exportKey' && resolved[0] === 'jwk') value = jwkInWorkerdOrder(value as Record<string, unknown>);
      result = { ok: true, value: this.#encode(value) };
    } catch (err) {
      result = { ok: false, error: thrown(err) };
    }
    // Plain data: the isolate applies with `result: { copy: true }`.
    return result;
  }

  // ── network ───────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Settles with the response head; the body stays with undici, paused, and crosses as the worker reads it (see
   * Outbound). A stream request body is pulled from the isolate as undici sends it (`duplex: 'half'`).
   */
  async #fetch(id: number, request: WireFetchRequest): Promise<WireFetchResult> {
    if (this.#disposed) return { ok: false, error: { name: 'Error', message: 'The worker was stopped' } };
    const traced = request.io === undefined ? undefined : this.#onSubrequest?.(request.io, request.method, request.url);
    const outbound = new Outbound(() => {
      this.#requests.delete(id);
      traced?.end();
    });
    this.#requests.set(id, outbound);
    try {
      checkFetchUrl(request.url);
      let body: Uint8Array | ReadableStream<Uint8Array> | undefined = request.body ?? undefined;
      if (request.hostBody) {
        body = outbound.requestBody(returnedBody(request.hostBody));
      } else if (request.stream !== undefined) {
        if (!this.#isolateBody) throw new TypeError('Streamed request bodies are not available');
        body = outbound.requestBody(this.#isolateBody(request.stream));
      }
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body,
        duplex: 'half',
        redirect: request.redirect,
        signal: outbound.controller.signal,
      } as RequestInit);
      const head = { status: response.status, statusText: response.statusText, headers: [...response.headers], url: response.url, redirected: response.redirected };
      traced?.head(response.status);
      if (request.method === 'HEAD' || response.body === null || NULL_BODY_STATUSES.includes(response.status)) {
        await response.body?.cancel().catch(() => {});
        outbound.end();
        return { ok: true, response: { ...head, body: null } };
      }
      return { ok: true, response: { ...head, body: outbound.responseBody(response.body) } };
    } catch (err) {
      const aborted = outbound.controller.signal.aborted;
      // undici wraps network failures as TypeError('fetch failed', { cause }); keep the cause's message visible.
      const error = aborted ? { name: 'AbortError', message: 'The operation was aborted.' } : thrown(err);
      const cause = !aborted && err instanceof Error && err.cause instanceof Error && err.cause.message ? `: ${err.cause.message}` : '';
      traced?.failed(`${error.name}: ${error.message + cause}`);
      outbound.abort();
      return { ok: false, error: { name: error.name, message: error.message + cause } };
    }
  }
}
