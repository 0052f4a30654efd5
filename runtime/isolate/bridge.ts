/**
 * The isolate side of the host ↔ worker boundary: turns a WireRequest (plain copied data) into a Request, calls the
 * worker's fetch handler (handlers.ts) and turns its Response back into plain data; runs scheduled and queue events.
 * Errors come back as data too, so the host never depends on how isolated-vm transfers exceptions.
 */
import { makeHeadersImmutable } from './headers.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { connectZlib, type ZlibReference } from './streams.ts';
import { cancelSent, hostBodyStream, readSent, sendStream } from './bodyStreams.ts';
import type { DispatchResult, EventResult, WireError, WireEvent, WireLogLevel, WireRequest, WireResponse } from './wire.ts';
import { ExecutionContext, handledEvents, installHandlers, QueueVerdicts, runFetch, runQueue, runScheduled, toWireError } from './handlers.ts';
import { connectHost } from './host.ts';
import type { HostBodyReference, HostServiceReferences, WireBinding } from './hostWire.ts';
import { bindingObjects } from './bindings/index.ts';
import { runObjectEvent, type ObjectEventResult, type WireObjectEvent } from './objects.ts';
import { setLoadedWorker } from './loadedWorker.ts';
import { workersEnv } from './cloudflareWorkers.ts';
import { runRpc, type WireRpcCall } from './entrypoints.ts';
import { fireTimer } from './timers.ts';
import { currentIo, enterIo, IoContext } from './ioContext.ts';
import { checkGlobalState, workerLoaded } from './globalState.ts';
import { settle } from './settle.ts';

/** An isolated-vm Reference to a host function, as it appears inside the isolate. */
export interface HostReference {
  applyIgnored(receiver: undefined, args: unknown[], options?: object): void;
}

let logRef: HostReference | undefined;
/** The host's `(id, result) => void`: where dispatch results go (see `dispatch`). */
let deliverRef: HostReference | undefined;
/** The host's `(id, count, pendingAfterResponse) => void`: a request's waitUntil work is done (see `dispatch`). */
let settledRef: HostReference | undefined;

/**
 * `location` is the raw `url:line:column` of the console call; the host maps it to the user's source. The id of the
 * request being worked for goes along, so the host can file the line under it.
 */
export function hostLog(level: WireLogLevel, message: string, location?: string): void {
  logRef?.applyIgnored(undefined, [level, message, location ?? null, currentIo()?.id ?? null]);
}

async function handle(wire: WireRequest, bodyRef: HostBodyReference | undefined, ctx: ExecutionContext): Promise<DispatchResult> {
  const failed = (err: unknown): DispatchResult => ({ ok: false, error: toWireError(err), ...(ctx._passThrough ? { passThrough: true } : {}) });
  let request: Request;
  try {
    const body = bodyRef ? hostBodyStream(bodyRef) : wire.body;
    // Incoming requests carry redirect "manual" in workerd (a worker passing one to fetch() returns redirects as they are).
    request = new Request(wire.url, { method: wire.method, headers: wire.headers, body, redirect: 'manual' });
    // As in workerd, an incoming request's headers are immutable.
    makeHeadersImmutable(request.headers);
  } catch (err) {
    return failed(err);
  }
  // Not in the try: an exception escaping the handler must look uncaught to a debugger (settle.ts).
  const ran = await settle(() => runFetch(request, ctx));
  if (!ran.ok) return failed(ran.error);
  try {
    const response = ran.value;
    if (!(response instanceof Response)) {
      throw new TypeError(`The fetch handler must return a Response, got ${response === null ? 'null' : typeof response}`);
    }
    return { ok: true, response: toWire(response) };
  } catch (err) {
    return failed(err);
  }
}

async function handleEvent(event: WireEvent): Promise<EventResult> {
  const ctx = new ExecutionContext();
  if (event.type === 'scheduled') return outcome(ctx, () => runScheduled(event, ctx));
  const verdicts = new QueueVerdicts();
  const result = await outcome(ctx, async () => {
    await runQueue(event, ctx, verdicts);
    return {};
  });
  // A consumer's explicit acks stand even when it throws afterwards.
  return { ...result, queue: verdicts.toWire() };
}

/**
 * How an event ended: `ok`, or `exception` when its handler threw. Either way only once its waitUntil work is done
 * (it still runs to its end after an exception, as in production).
 */
async function outcome(ctx: ExecutionContext, run: () => Promise<Partial<EventResult>>): Promise<EventResult> {
  // settle, not try/catch: an exception escaping the handler must look uncaught to a debugger (settle.ts).
  const ran = await settle(run);
  await ctx._settled();
  return ran.ok ? { outcome: 'ok', ...ran.value } : { outcome: 'exception', error: toWireError(ran.error) };
}

/** Sends a result to the host's `deliver(id, result)`; a result that can't be copied is reported as an error. */
function deliver<Result extends DispatchResult | EventResult | ObjectEventResult>(id: number, result: Result, failed: (error: WireError) => Result): void {
  try {
    deliverRef?.applyIgnored(undefined, [id, result], { arguments: { copy: true } });
  } catch (err) {
    deliverRef?.applyIgnored(undefined, [id, failed(toWireError(err))], { arguments: { copy: true } });
  }
}

/** An object event's or RPC call's result that could not cross (not cloneable), as the failure that does. */
const uncopiableObjectResult = (error: WireError): ObjectEventResult => ({ ok: false, error: { name: 'Error', message: error.message, stack: error.stack } });

function toWire(response: Response): WireResponse {
  const head = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
  const body = response._wireBody();
  if (body.kind === 'none') return { ...head, body: null };
  if (body.kind === 'bytes') return { ...head, body: body.bytes };
  return { ...head, body: null, ...sendStream(body.stream, { where: 'response body', cancelReason: 'The client disconnected' }) };
}

export const bridge = {
  /** Called once, right after the prelude: where console output goes. */
  connect(log: HostReference, services?: HostServiceReferences, deliver?: HostReference, settled?: HostReference): void {
    logRef = log;
    deliverRef = deliver;
    settledRef = settled;
    if (services) connectHost(services, hostLog);
  },
  /** Host → isolate: timer `id` is due (see timers.ts). */
  fireTimer,
  /** Called once the worker module has evaluated: its namespace, its vars and secrets, and its bindings (`env`); returns the events it handles. */
  start(exports: Record<string, unknown>, vars: Record<string, unknown>, bindings: WireBinding[] = []): string[] {
    const env = { ...vars, ...bindingObjects(bindings) };
    installHandlers(exports, env);
    setLoadedWorker(exports, env);
    Object.assign(workersEnv, env);
    workerLoaded();
    return handledEvents();
  },
  /** Called once after connect: the host's zlib for CompressionStream/DecompressionStream. */
  connectStreams(zlib: ZlibReference): void {
    connectZlib(zlib);
  },
  /** The host pulls a body the isolate sent (a response's, a fetch request's): the next chunk, or null at its end. */
  read: readSent,
  /** The host no longer reads it (the client went away, the outbound request ended): cancel the stream. */
  cancel: cancelSent,
  /**
   * Runs one request; the result goes to the host through `deliver(id, result)`, not as this call's return value:
   * isolated-vm fails a host call when an unhandled promise rejection is pending at the end of any task it runs, and
   * that must not cost the request its response (the host logs such failures as `Uncaught (in promise)`).
   */
  async dispatch(wire: WireRequest, id: number, bodyRef?: HostBodyReference): Promise<void> {
    enterIo(new IoContext(id));
    const ctx = new ExecutionContext();
    deliver(id, await handle(wire, bodyRef, ctx), (error) => ({ ok: false, error }));
    checkGlobalState();
    // The response is on its way; the request's waitUntil work may go on after it. The host hears when it is done.
    const pendingAfterResponse = ctx._pending;
    await ctx._settled();
    settledRef?.applyIgnored(undefined, [id, ctx._count, pendingAfterResponse]);
  },
  /** Runs an event of a Durable Object (in the pool's objects context); its result is delivered like a request's. */
  async dispatchObject(event: WireObjectEvent, id: number): Promise<void> {
    enterIo(new IoContext(id));
    deliver(id, await runObjectEvent(event), uncopiableObjectResult);
  },
  /** Runs an RPC call of another worker's service binding on an entrypoint; its result is delivered like a request's. */
  async dispatchRpc(call: WireRpcCall, id: number): Promise<void> {
    enterIo(new IoContext(id));
    deliver(id, await runRpc(call), uncopiableObjectResult);
  },
  /** Runs a scheduled or queue event; its EventResult is delivered like a request's (see `dispatch`). */
  async dispatchEvent(event: WireEvent, id: number): Promise<void> {
    enterIo(new IoContext(id));
    deliver(id, await handleEvent(event), (error) => ({ outcome: 'exception', error }));
    checkGlobalState();
  },
};
