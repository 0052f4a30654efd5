/**
 * The isolate side of the host ↔ worker boundary: turns a WireRequest (plain copied data) into a Request,
 * calls the worker's fetch handler (module `export default { fetch }` or service-worker `addEventListener('fetch')`),
 * and turns its Response back into plain data. Errors come back as data too, so the host never depends on how
 * isolated-vm transfers exceptions.
 */
import { makeHeadersImmutable } from './headers.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { chunkBytes, connectZlib, ReadableStream, type ReadableStreamDefaultReader, type ZlibReference } from './streams.ts';
import type { DispatchResult, WireError, WireLogLevel, WireRequest, WireResponse } from './wire.ts';
import { connectHost } from './host.ts';
import type { HostServiceReferences } from './hostWire.ts';
import { fireTimer } from './timers.ts';

/** An isolated-vm Reference to a host function, as it appears inside the isolate. */
export interface HostReference {
  applyIgnored(receiver: undefined, args: unknown[], options?: object): void;
}

type FetchHandler = (request: Request, env: Record<string, unknown>, ctx: ExecutionContext) => unknown;
type FetchListener = (event: FetchEvent) => void;

interface ExecutionContext {
  waitUntil(promise: unknown): void;
  passThroughOnException(): void;
  props: Record<string, unknown>;
}

let logRef: HostReference | undefined;
/** The host's `(id, result) => void`: where dispatch results go (see `dispatch`). */
let deliverRef: HostReference | undefined;
const fetchListeners: FetchListener[] = [];
let moduleHandler: { target: object; fetch: FetchHandler } | undefined;
let env: Record<string, unknown> = {};

/** `location` is the raw `url:line:column` of the console call; the host maps it to the user's source. */
export function hostLog(level: WireLogLevel, message: string, location?: string): void {
  logRef?.applyIgnored(undefined, location === undefined ? [level, message] : [level, message, location]);
}

function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { message: `${err.name}: ${err.message}`, stack: err.stack ?? `${err.name}: ${err.message}` };
  return { message: `Uncaught ${String(err)}`, stack: `Uncaught ${String(err)}` };
}

function createContext(): ExecutionContext {
  return {
    waitUntil(promise: unknown) {
      Promise.resolve(promise).catch((err: unknown) => hostLog('error', `waitUntil: ${toWireError(err).stack}`));
    },
    passThroughOnException() {
      // There is no origin to fall back to locally; accepted so workers that call it run unchanged.
    },
    props: {},
  };
}

export class FetchEvent {
  readonly type = 'fetch';
  readonly request: Request;
  readonly #ctx: ExecutionContext;
  _response: Promise<unknown> | undefined;
  constructor(request: Request, ctx: ExecutionContext) {
    this.request = request;
    this.#ctx = ctx;
  }
  respondWith(response: unknown): void {
    if (this._response) throw new TypeError('respondWith() was already called');
    this._response = Promise.resolve(response);
  }
  waitUntil(promise: unknown): void {
    this.#ctx.waitUntil(promise);
  }
  passThroughOnException(): void {}
}

/** `addEventListener` for service-worker syntax; only `fetch` events are dispatched in this version. */
export function addEventListener(type: string, listener: FetchListener): void {
  if (type === 'fetch') fetchListeners.push(listener);
}

async function callHandler(request: Request): Promise<unknown> {
  const ctx = createContext();
  if (moduleHandler) return moduleHandler.fetch.call(moduleHandler.target, request, env, ctx);
  if (fetchListeners.length) {
    const event = new FetchEvent(request, ctx);
    for (const listener of fetchListeners) {
      listener(event);
      if (event._response) break;
    }
    if (!event._response) throw new Error('No fetch event listener called respondWith()');
    return event._response;
  }
  throw new Error('The worker has no fetch handler: export default { fetch(request, env, ctx) { … } } or addEventListener("fetch", …)');
}

async function handle(wire: WireRequest, bodyRef: RequestBodyReference | undefined): Promise<DispatchResult> {
  try {
    const body = bodyRef ? requestBodyStream(bodyRef) : wire.body;
    // Incoming requests carry redirect "manual" in workerd (a worker passing one to fetch() returns redirects as they are).
    const request = new Request(wire.url, { method: wire.method, headers: wire.headers, body, redirect: 'manual' });
    // As in workerd, an incoming request's headers are immutable.
    makeHeadersImmutable(request.headers);
    const response = await callHandler(request);
    if (!(response instanceof Response)) {
      throw new TypeError(`The fetch handler must return a Response, got ${response === null ? 'null' : typeof response}`);
    }
    return { ok: true, response: toWire(response) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

/** Response bodies the host is pulling, by id (see WireResponse.stream). */
const outgoing = new Map<number, ReadableStreamDefaultReader<unknown>>();
let nextStreamId = 1;

function toWire(response: Response): WireResponse {
  const head = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
  const body = response._wireBody();
  if (body.kind === 'none') return { ...head, body: null };
  if (body.kind === 'bytes') return { ...head, body: body.bytes };
  const id = nextStreamId++;
  outgoing.set(id, body.stream.getReader());
  return { ...head, body: null, stream: id };
}

/** The host's request-body reader, as the isolate sees it (a Reference to `() => Promise<Uint8Array | null>`). */
interface RequestBodyReference {
  apply(receiver: undefined, args: unknown[], options: object): Promise<unknown>;
}

function requestBodyStream(ref: RequestBodyReference): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    type: 'bytes',
    async pull(controller: { enqueue(chunk: Uint8Array): void; close(): void }) {
      // An empty chunk would leave a pending read unanswered: ask again until there are bytes or the end.
      for (;;) {
        const chunk = (await ref.apply(undefined, ['read'], { result: { promise: true, copy: true } })) as Uint8Array | null;
        if (chunk === null) return controller.close();
        if (chunk.byteLength) return controller.enqueue(chunk);
      }
    },
    async cancel() {
      await ref.apply(undefined, ['cancel'], { result: { promise: true, copy: true } });
    },
  } as never);
}

export const bridge = {
  /** Called once, right after the prelude: where console output goes. */
  connect(log: HostReference, services?: HostServiceReferences, deliver?: HostReference): void {
    logRef = log;
    deliverRef = deliver;
    if (services) connectHost(services, hostLog);
  },
  /** Host → isolate: timer `id` is due (see timers.ts). */
  fireTimer,
  /** Called once the worker module has evaluated: its namespace and the `env` it gets. */
  start(exports: Record<string, unknown>, vars: Record<string, unknown>): void {
    env = vars;
    const main = exports.default as { fetch?: unknown } | undefined;
    if (main && typeof main === 'object' && typeof main.fetch === 'function') {
      moduleHandler = { target: main, fetch: main.fetch as FetchHandler };
    } else if (fetchListeners.length === 0) {
      throw new Error('The worker has no fetch handler: export default { fetch(request, env, ctx) { … } } or addEventListener("fetch", …)');
    } else {
      // Service-worker syntax sees its bindings as globals.
      Object.assign(globalThis, vars);
    }
  },
  /** Called once after connect: the host's zlib for CompressionStream/DecompressionStream. */
  connectStreams(zlib: ZlibReference): void {
    connectZlib(zlib);
  },
  /** The host pulls a response body: the next chunk as bytes, or null at its end (then the id is gone). */
  async read(id: number): Promise<Uint8Array | null> {
    const reader = outgoing.get(id);
    if (!reader) return null;
    try {
      const { done, value } = await reader.read();
      if (done) {
        outgoing.delete(id);
        return null;
      }
      return chunkBytes(value);
    } catch (err) {
      outgoing.delete(id);
      reader.cancel(err).catch(() => {});
      hostLog('error', `Uncaught (in response body) ${toWireError(err).stack}`);
      throw err;
    }
  },
  /** The client went away: cancel the body stream. */
  cancel(id: number): void {
    const reader = outgoing.get(id);
    outgoing.delete(id);
    reader?.cancel(new Error('The client disconnected')).catch(() => {});
  },
  /**
   * Runs one request; the result goes to the host through `deliver(id, result)`, not as this call's return value:
   * isolated-vm fails a host call when an unhandled promise rejection is pending at the end of any task it runs, and
   * that must not cost the request its response (the host logs such failures as `Uncaught (in promise)`).
   */
  async dispatch(wire: WireRequest, id: number, bodyRef?: RequestBodyReference): Promise<void> {
    const result = await handle(wire, bodyRef);
    try {
      deliverRef?.applyIgnored(undefined, [id, result], { arguments: { copy: true } });
    } catch (err) {
      deliverRef?.applyIgnored(undefined, [id, { ok: false, error: toWireError(err) }], { arguments: { copy: true } });
    }
  },
};
