/**
 * One worker in one isolated-vm isolate: creates the isolate and context, runs the prelude, compiles and evaluates the
 * worker module (eagerly, so a debugger can bind breakpoints before the first request), and calls its fetch handler.
 * Everything crossing the boundary is a copy; host functions go in only as References. Only the async isolated-vm
 * API is used: a debugger may pause the isolate at any time, and a sync call would block the host with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ivm from 'isolated-vm';
import { privateCacheDir } from './cacheDir.ts';
import { bodyReference, returnedBody } from './hostBodies.ts';
import { HostServices } from './hostServices.ts';
import type { RequestTrace } from './requestTrace.ts';
import { LOADER_FILENAME, PRELUDE_FILENAME } from './stackMapper.ts';
import type { BindingHost } from './bindings/bindingHost.ts';
import type { WireBinding } from '../isolate/hostWire.ts';
import { createZlibHost } from './zlibHost.ts';
import { WORKERS_MODULE_GLOBAL } from '../isolate/cloudflareWorkers.ts';
import type { ObjectEventResult, WireObjectEvent } from '../isolate/objects.ts';
import type { WireRpcCall } from '../isolate/entrypoints.ts';
import { BRIDGE_GLOBAL, type BodyReader, type DispatchResult, type EventResult, type WireEvent, type WireLogLevel, type WireRequest } from '../isolate/wire.ts';

export interface WorkerIsolateOptions {
  /** dist/prelude.js */
  prelude: string;
  /** The bundled worker module. */
  code: string;
  /** Script URL of the module (what stack traces and debuggers show). */
  url: string;
  /** The worker's vars and secrets: plain data, copied in. */
  env: Record<string, unknown>;
  /** Its bindings (KV, …): the names the isolate puts on `env`, and the host their operations go to. */
  bindings?: { wire: WireBinding[]; host: BindingHost };
  /** Create the isolate and context with inspector support (only with --inspect: it costs memory and speed). */
  inspector: boolean;
  memoryLimitMb?: number;
  /**
   * The isolate to create this instance's context in, shared with the worker's other instances (workerPool.ts);
   * the instance then leaves it alone on dispose. Default: an isolate of its own.
   */
  isolate?: ivm.Isolate;
  /** Why the isolate is gone when it is disposed under the instance. Default: the memory limit. */
  whyDied?(): string;
  /**
   * Console output and runtime messages; `location` is the raw `url:line:column` of a console call, `trace` the request
   * the worker was working for when it logged (see `dispatch`).
   */
  onLog(level: WireLogLevel, message: string, location?: string, trace?: RequestTrace): void;
  /**
   * A promise rejected with no handler by the end of an isolate task (isolated-vm's own PromiseRejectCallback
   * tracking surfaces it as the failure of the host call that ran that task). Default: logged as an error.
   */
  onUncaught?(err: unknown): void;
  /**
   * Receives, as soon as the isolate exists, a function that disposes it (ending any code it runs): shutting down
   * while the worker still loads must dispose it first, as exiting with a running isolate crashes the process.
   */
  onIsolate?(dispose: () => void): void;
}

/**
 * The prelude, compiled once per process and per prelude text: later isolates start from V8's code cache. The cache
 * is produced after a run (so it holds the functions the prelude's top level compiles, not only the top level) in a
 * throwaway isolate, off the first worker's path, and kept on disk for the next process. V8 checks the cache against
 * its version, flags and the source, and says so in `cachedDataRejected`: a stale file only costs a normal compile.
 * The file lives only in the per-user private folder of cacheDir.ts (verified before every read and write).
 */
export class PreludeCache {
  static readonly #byCode = new Map<string, PreludeCache>();
  readonly code: string;
  /** `prelude-<key>.v8cache`, inside the private cache folder. */
  readonly #name: string;
  #data: ivm.ExternalCopy<ArrayBuffer> | undefined;
  #producing: Promise<void> | undefined;

  private constructor(code: string) {
    this.code = code;
    const key = createHash('sha256').update(code).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 24);
    this.#name = `prelude-${key}.v8cache`;
    try {
      const dir = PreludeCache.enabled ? privateCacheDir(false) : undefined;
      if (dir) this.#data = new ivm.ExternalCopy(new Uint8Array(readFileSync(path.join(dir, this.#name))).buffer);
    } catch {
      // No cache on disk yet.
    }
  }

  static for(code: string): PreludeCache {
    let cache = PreludeCache.#byCode.get(code);
    if (!cache) PreludeCache.#byCode.set(code, (cache = new PreludeCache(code)));
    return cache;
  }

  /** Compiles and runs the prelude in `context`, from the code cache when there is a valid one. */
  async run(isolate: ivm.Isolate, context: ivm.Context): Promise<void> {
    const data = this.#data;
    const script = (await isolate.compileScript(this.code, { filename: PRELUDE_FILENAME, ...(data ? { cachedData: data } : {}) })) as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean };
    if (data && script.cachedDataRejected) {
      if (this.#data === data) this.#data = undefined;
    }
    try {
      await script.run(context);
    } finally {
      script.release();
    }
    if (!this.#data && PreludeCache.enabled) this.#producing ??= this.#produce();
  }

  /** `WORKER_STUDIO_PRELUDE_CACHE=0` compiles the prelude from source every time (to measure, or to rule the cache out). */
  static get enabled(): boolean {
    return process.env.WORKER_STUDIO_PRELUDE_CACHE !== '0';
  }

  /** Resolves once a cache exists (or could not be made): for benchmarks and tests. */
  async ready(): Promise<void> {
    if (!this.#data) await (this.#producing ??= this.#produce());
  }

  async #produce(): Promise<void> {
    // Later: the first worker's own start is not slowed down by this.
    await new Promise((resolve) => setImmediate(resolve));
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    try {
      const context = await isolate.createContext();
      const first = await isolate.compileScript(this.code, { filename: PRELUDE_FILENAME });
      await first.run(context);
      // Same source in the same isolate: V8's compilation cache hands back the script with its compiled functions.
      const again = (await isolate.compileScript(this.code, { filename: PRELUDE_FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean };
      if (!again.cachedData) return;
      this.#data = again.cachedData;
      const bytes = Buffer.from(again.cachedData.copy());
      const dir = privateCacheDir(true);
      if (!dir) return;
      // A fresh random name, created exclusively (never through an existing file or symlink), then renamed into place.
      const temporary = path.join(dir, `.prelude-${randomBytes(12).toString('hex')}.tmp`);
      writeFileSync(temporary, bytes, { flag: 'wx', mode: 0o600 });
      try {
        renameSync(temporary, path.join(dir, this.#name));
      } catch (err) {
        rmSync(temporary, { force: true });
        throw err;
      }
      // Caches of earlier preludes (another build) are dead weight.
      for (const name of readdirSync(dir)) {
        if (/^prelude-[0-9a-f]+\.v8cache$/.test(name) && name !== this.#name) rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // Only a speed-up: without it every isolate compiles the prelude from source.
    } finally {
      isolate.dispose();
    }
  }
}

/** How long the worker module's top-level code may run before loading fails (a `while (true) {}` would hang forever). */
const TOP_LEVEL_TIMEOUT_MS = 10_000;

/**
 * Compiles, links and evaluates the worker module. It is evaluated through a loader module that imports it and then
 * sets a mark: isolated-vm fails `evaluate` both when the worker's top-level code throws and when a promise it rejected
 * is still unhandled at the end of the task, and only the mark tells the two apart. The second is logged (as workerd
 * does) and the worker runs.
 */
/** How the loader names the worker module, and the mark it sets: the same text for every instance (see LOADER). */
const WORKER_SPECIFIER = 'worker-studio:worker';
const LOADED_MARK = `__workerStudioLoaded_${randomBytes(8).toString('hex')}`;
/**
 * One source for every loader of the process: V8's compilation cache keeps an entry per distinct module source until
 * it reduces memory, so a loader text per instance (or per reload) would add one at every reload.
 */
const LOADER = `import * as worker from ${JSON.stringify(WORKER_SPECIFIER)};\nexport { worker };\nObject.defineProperty(globalThis, ${JSON.stringify(LOADED_MARK)}, { value: true, configurable: true });\n`;
/** `cloudflare:workers`: what the prelude keeps under WORKERS_MODULE_GLOBAL, as a module (one text for every context). */
const CLOUDFLARE_WORKERS_MODULE = `const m = globalThis[${JSON.stringify(WORKERS_MODULE_GLOBAL)}];\nexport const DurableObject = m.DurableObject;\nexport const WorkerEntrypoint = m.WorkerEntrypoint;\nexport const WorkflowEntrypoint = m.WorkflowEntrypoint;\nexport const RpcTarget = m.RpcTarget;\nexport const env = m.env;\nexport default m;\n`;

async function evaluateWorkerModule(isolate: ivm.Isolate, context: ivm.Context, options: WorkerIsolateOptions, onUncaught: (err: unknown) => void): Promise<ivm.Reference> {
  const module = await isolate.compileModule(options.code, { filename: options.url });
  const mark = LOADED_MARK;
  const loader = await isolate.compileModule(LOADER, { filename: LOADER_FILENAME });
  let workersModule: ivm.Module | undefined;
  try {
    await loader.instantiate(context, (specifier) => {
      if (specifier === WORKER_SPECIFIER) return module;
      if (specifier === 'cloudflare:workers') return (workersModule ??= isolate.compileModuleSync(CLOUDFLARE_WORKERS_MODULE, { filename: 'cloudflare:workers' }));
      throw new Error(`Cannot import "${specifier}": runtime modules (node:*, and cloudflare:* other than cloudflare:workers) are not available yet`);
    });
    try {
      // Async: the top-level code runs on isolated-vm's thread, so the host (stdin, signals) stays responsive.
      await loader.evaluate({ timeout: TOP_LEVEL_TIMEOUT_MS });
    } catch (err) {
      if (err instanceof Error && /execution timed out/i.test(err.message)) {
        const message = `the worker's top-level code ran for more than ${TOP_LEVEL_TIMEOUT_MS / 1000} s`;
        // No host stack: the location falls back to the worker's entry file.
        throw new WorkerLoadError(message, `WorkerLoadError: ${message}`);
      }
      if ((await context.global.get(mark)) !== true) throw err;
      onUncaught(err);
    }
    await context.global.delete(mark);
    // `loader.namespace` is a new Reference (pinning the context) at every access: released here.
    const namespace = loader.namespace;
    try {
      return (await namespace.get('worker', { reference: true })) as ivm.Reference;
    } finally {
      namespace.release();
    }
  } finally {
    // Like a Context, a Module of an isolate that is already gone (disposed mid-load) must not be released.
    if (!isolate.isDisposed) {
      loader.release();
      module.release();
      workersModule?.release();
    }
  }
}

/** The worker module failed to compile, link or evaluate. */
export class WorkerLoadError extends Error {
  constructor(message: string, stack?: string) {
    super(message);
    this.name = 'WorkerLoadError';
    if (stack) this.stack = stack;
  }
}

function loadError(err: unknown): WorkerLoadError {
  if (err instanceof Error) return new WorkerLoadError(err.message, err.stack);
  return new WorkerLoadError(String(err));
}

/** The isolate is gone (isolated-vm disposes it when it reaches its memory limit): a restart is needed. */
export class WorkerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

/** Requests and events in flight, by id: each result arrives through the `deliver` Reference (see bridge.dispatch). */
type Pending = Map<number, { resolve(result: DispatchResult | EventResult | ObjectEventResult): void; reject(err: unknown): void }>;
/** The traces of requests whose response or waitUntil work is not done, by id: the isolate files logs and fetches under it. */
type Traces = Map<number, RequestTrace>;

/** How an unhandled rejection reads in the log (mapped by the caller like any stack). */
export function uncaughtText(err: unknown): string {
  return `Uncaught (in promise) ${err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err)}`;
}

interface ResponseBodyReferences {
  read: ivm.Reference<(id: number) => Promise<Uint8Array | null>>;
  cancel: ivm.Reference<(id: number) => void>;
}

export class WorkerIsolate {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly url: string;
  readonly #dispatch: ivm.Reference<(request: WireRequest, id: number) => Promise<void>>;
  #dispatchEvent: ivm.Reference<(event: WireEvent, id: number) => Promise<void>> | undefined;
  #dispatchObject: ivm.Reference<(event: WireObjectEvent, id: number) => Promise<void>> | undefined;
  #dispatchRpc: ivm.Reference<(call: WireRpcCall, id: number) => Promise<void>> | undefined;
  readonly #pending: Pending;
  readonly #traces: Traces;
  /** The events the worker has handlers for: `fetch`, `scheduled`, `queue`. */
  handles: string[] = [];
  #nextId = 1;
  readonly #onUncaught: (err: unknown) => void;
  /** Timers, crypto keys and outbound requests of this instance (cleared on dispose). */
  readonly host: HostServices;
  /** The bridge's `read(id)` / `cancel(id)` for streamed response bodies. */
  #body: ResponseBodyReferences | undefined;
  #disposed = false;
  /** Set once the isolate has died under the worker (see #checkAlive). */
  #died: WorkerDiedError | undefined;
  #memoryLimitMb = 128;
  /** False when the isolate is the pool's, shared with other instances. */
  #ownsIsolate = true;
  #whyDied = () => `The worker ran out of memory (limit ${this.#memoryLimitMb} MB) and was stopped`;
  /** Every Reference made for this instance, released on dispose. */
  readonly #references: ivm.Reference[] = [];
  #closeZlib: (() => void) | undefined;

  private constructor(
    isolate: ivm.Isolate,
    context: ivm.Context,
    url: string,
    dispatch: ivm.Reference<(request: WireRequest, id: number) => Promise<void>>,
    host: HostServices,
    pending: Pending,
    traces: Traces,
    onUncaught: (err: unknown) => void,
  ) {
    this.#pending = pending;
    this.#traces = traces;
    this.#onUncaught = onUncaught;
    this.isolate = isolate;
    this.context = context;
    this.url = url;
    this.#dispatch = dispatch;
    this.host = host;
  }

  static async create(options: WorkerIsolateOptions): Promise<WorkerIsolate> {
    const memoryLimitMb = options.memoryLimitMb ?? 128;
    const owned = !options.isolate;
    const isolate = options.isolate ?? new ivm.Isolate({ memoryLimit: memoryLimitMb, inspector: options.inspector });
    options.onIsolate?.(() => {
      if (!isolate.isDisposed) isolate.dispose();
    });
    let context: ivm.Context | undefined;
    /** The instance, once made (the log reference is made before it). */
    let made: WorkerIsolate | undefined;
    const references: ivm.Reference[] = [];
    const zlib = createZlibHost();
    const onUncaught = options.onUncaught ?? ((err: unknown) => options.onLog('error', uncaughtText(err)));
    const pending: Pending = new Map();
    const traces: Traces = new Map();
    const host = new HostServices({
      onUncaught,
      onSubrequest: (io, method, url) => traces.get(io)?.subrequest(method, url),
      ...(options.bindings ? { bindings: options.bindings.host } : {}),
    });
    try {
      context = await isolate.createContext({ inspector: options.inspector });
      await PreludeCache.for(options.prelude).run(isolate, context);
      const bridge = (await context.global.get(BRIDGE_GLOBAL, { reference: true })) as ivm.Reference<Record<string, unknown>>;
      await context.global.delete(BRIDGE_GLOBAL);
      const method = async (name: string) => (await bridge.get(name, { reference: true })) as ivm.Reference<(...args: unknown[]) => unknown>;
      // A Reference pins its context until it is released (or the host's GC finalizes it): the bridge methods used
      // only while loading are released at once, or every reload would leave the old contexts' heaps in the isolate.
      const callOnce = async (name: string, args: Parameters<ivm.Reference<(...args: unknown[]) => unknown>['apply']>[1], options?: { result: { copy: true } }) => {
        const fn = await method(name);
        try {
          return await fn.apply(undefined, args, options);
        } finally {
          fn.release();
        }
      };
      // applyIgnored from the isolate: console output never waits on (or blocks) the host.
      // A timer that fired just before a dispose may still be running its callback in the isolate: what it logs then
      // belongs to an instance that is gone, and is dropped.
      const log = new ivm.Reference((level: WireLogLevel, message: string, location: string | null, io: number | null) => {
        if (made && made.#disposed) return;
        options.onLog(level, message, location ?? undefined, io === null ? undefined : traces.get(io));
      });
      const deliver = new ivm.Reference((id: number, result: DispatchResult | EventResult) => {
        const entry = pending.get(id);
        pending.delete(id);
        entry?.resolve(result);
      });
      // A request's waitUntil work is done: nothing more is filed under it.
      const settled = new ivm.Reference((id: number, count: number, pendingAfterResponse: number) => {
        traces.get(id)?.waitUntilDone(count, pendingAfterResponse);
        traces.delete(id);
      });
      await callOnce('connect', [log, host.toIsolate(), deliver, settled]);
      const zlibRef = new ivm.Reference(zlib.call);
      references.push(log, deliver, settled, zlibRef, bridge as ivm.Reference);
      await callOnce('connectStreams', [zlibRef]);
      host.attach((await method('fireTimer')) as ivm.Reference<(id: number) => boolean>);

      let handles: string[];
      try {
        const namespace = await evaluateWorkerModule(isolate, context, options, onUncaught);
        try {
          handles = (await callOnce('start', [namespace.derefInto(), new ivm.ExternalCopy(options.env).copyInto(), new ivm.ExternalCopy(options.bindings?.wire ?? []).copyInto()], { result: { copy: true } })) as string[];
        } finally {
          namespace.release();
        }
      } catch (err) {
        throw loadError(err);
      }
      const dispatch = (await method('dispatch')) as ivm.Reference<(request: WireRequest, id: number) => Promise<void>>;
      const body = { read: (await method('read')) as ivm.Reference<(id: number) => Promise<Uint8Array | null>>, cancel: (await method('cancel')) as ivm.Reference<(id: number) => void> };
      const instance = new WorkerIsolate(isolate, context, options.url, dispatch, host, pending, traces, onUncaught);
      made = instance;
      instance.#ownsIsolate = owned;
      if (options.whyDied) instance.#whyDied = options.whyDied;
      // Streamed fetch request bodies are pulled like response bodies.
      host.attachBodies((id) => instance.#responseReader(id));
      instance.handles = handles;
      instance.#dispatchEvent = (await method('dispatchEvent')) as ivm.Reference<(event: WireEvent, id: number) => Promise<void>>;
      instance.#dispatchObject = (await method('dispatchObject')) as ivm.Reference<(event: WireObjectEvent, id: number) => Promise<void>>;
      instance.#dispatchRpc = (await method('dispatchRpc')) as ivm.Reference<(call: WireRpcCall, id: number) => Promise<void>>;
      references.push(instance.#dispatchEvent as ivm.Reference, instance.#dispatchObject as ivm.Reference, instance.#dispatchRpc as ivm.Reference);
      instance.#body = body;
      instance.#memoryLimitMb = memoryLimitMb;
      instance.#references.push(...references, body.read as ivm.Reference, body.cancel as ivm.Reference, dispatch as ivm.Reference);
      instance.#closeZlib = zlib.close;
      return instance;
    } catch (err) {
      host.dispose();
      zlib.close();
      for (const reference of references) reference.release();
      if (!isolate.isDisposed && owned) isolate.dispose();
      else if (!isolate.isDisposed) context?.release();
      throw err;
    }
  }

  /**
   * Runs one request through the worker's fetch handler; handler errors come back as `{ ok: false }`. What the worker
   * does for it (logs, fetches, waitUntil work) is filed in `trace` until its waitUntil work has settled.
   */
  async dispatch(request: WireRequest, trace?: RequestTrace): Promise<DispatchResult> {
    // A request `reader` is pulled lazily by the isolate; a streamed response comes back with a `reader` the caller
    // must drain or cancel: each read is one async call into the isolate for one chunk.
    const { reader, ...plain } = request;
    this.#checkAlive();
    const id = this.#nextId++;
    if (trace) this.#traces.set(id, trace);
    const args: unknown[] = [new ivm.ExternalCopy(plain).copyInto(), id];
    const bodyRef = reader ? bodyReference(reader) : undefined;
    if (bodyRef) args.push(bodyRef);
    const delivered = new Promise<DispatchResult | EventResult | ObjectEventResult>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#dispatch.apply(undefined, args as never, { result: { promise: true } }).catch((err: unknown) => this.#callFailed(id, err));
    let result: DispatchResult;
    try {
      result = (await delivered) as DispatchResult;
    } finally {
      bodyRef?.release();
    }
    if (result.ok && result.response.stream !== undefined) result.response.reader = this.#responseReader(result.response.stream);
    if (result.ok && result.response.hostBody) result.response.reader = returnedBody(result.response.hostBody);
    return result;
  }

  /** Runs a scheduled or queue event; resolves once the handler and its waitUntil work are done. */
  trigger(event: WireEvent): Promise<EventResult> {
    return this.#call<WireEvent, EventResult>(this.#dispatchEvent!, event);
  }

  /** Runs an event of a Durable Object in this context (the pool's objects context). */
  objectEvent(event: WireObjectEvent): Promise<ObjectEventResult> {
    return this.#call(this.#dispatchObject!, event);
  }

  /** Runs an RPC call on an entrypoint of the worker (another worker's service binding). */
  rpc(call: WireRpcCall): Promise<ObjectEventResult> {
    return this.#call(this.#dispatchRpc!, call);
  }

  async #call<Payload, Result extends EventResult | ObjectEventResult = ObjectEventResult>(entry: ivm.Reference<(payload: Payload, id: number) => Promise<void>>, payload: Payload): Promise<Result> {
    this.#checkAlive();
    const id = this.#nextId++;
    const delivered = new Promise<DispatchResult | EventResult | ObjectEventResult>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    entry.apply(undefined, [new ivm.ExternalCopy(payload).copyInto(), id], { result: { promise: true } }).catch((err: unknown) => this.#callFailed(id, err));
    return (await delivered) as Result;
  }

  /**
   * A call into the isolate failed: either the isolate is gone (the request fails), or a promise rejection went
   * unhandled while it ran (only logged: the result still arrives through `deliver`).
   */
  #callFailed(id: number, err: unknown): void {
    if (this.#disposed || this.isolate.isDisposed) {
      this.#pending.get(id)?.reject(this.isolate.isDisposed && !this.#disposed ? this.#death() : err);
      this.#pending.delete(id);
    } else {
      this.#onUncaught(err);
    }
  }

  #responseReader(id: number): BodyReader {
    const body = this.#body as ResponseBodyReferences;
    return {
      read: async () => {
        this.#checkAlive();
        try {
          return (await body.read.apply(undefined, [id], { result: { promise: true, copy: true } })) as Uint8Array | null;
        } catch (err) {
          this.#checkAlive();
          throw err;
        }
      },
      cancel: async () => {
        if (!this.#disposed && !this.isolate.isDisposed) await body.cancel.apply(undefined, [id]);
      },
    };
  }

  /** Why the worker can no longer run (the isolate died), or undefined while it is alive. */
  get died(): WorkerDiedError | undefined {
    if (!this.#died && !this.#disposed && this.isolate.isDisposed) this.#death();
    return this.#died;
  }


  /** Throws the WorkerDiedError once the isolate is gone. */
  #checkAlive(): void {
    const died = this.died;
    if (died) throw died;
  }

  /**
   * The isolate died under the worker (isolated-vm disposes it at its memory limit; nothing else disposes it but
   * dispose()): once, release the host's side of it and report it; later requests get the same error.
   */
  #death(): WorkerDiedError {
    if (this.#died) return this.#died;
    const died = new WorkerDiedError(this.#whyDied());
    this.#died = died;
    this.#release();
    this.#onUncaught(died);
    for (const entry of this.#pending.values()) entry.reject(died);
    this.#pending.clear();
    this.#abandonTraces();
    return died;
  }

  /** The host's side of the instance: timers, keys, outbound requests, zlib engines and every Reference. */
  #release(): void {
    this.host.dispose();
    this.#closeZlib?.();
    this.#closeZlib = undefined;
    for (const reference of this.#references) reference.release();
    this.#references.length = 0;
  }

  createInspectorSession(): ivm.InspectorSession {
    return this.isolate.createInspectorSession();
  }

  /** The instance is gone: requests whose waitUntil work was still running get no more news. */
  #abandonTraces(): void {
    for (const trace of this.#traces.values()) trace.abandon();
    this.#traces.clear();
  }

  /** Callers close inspector sessions first and let the event loop turn (see platform notes: dispose ordering). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const entry of this.#pending.values()) entry.reject(new Error('The worker was stopped'));
    this.#pending.clear();
    this.#abandonTraces();
    this.#release();
    // Releasing the context of an isolate that is already gone crashes isolated-vm (SIGSEGV).
    if (!this.isolate.isDisposed) this.context.release();
    if (!this.isolate.isDisposed && this.#ownsIsolate) this.isolate.dispose();
  }
}
