/**
 * One worker in one isolated-vm isolate: creates the isolate and context, runs the prelude, compiles and evaluates the
 * worker module (eagerly, so a debugger can bind breakpoints before the first request), and calls its fetch handler.
 * Everything crossing the boundary is a copy; host functions go in only as References. Only the async isolated-vm
 * API is used: a debugger may pause the isolate at any time, and a sync call would block the host with it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ivm from 'isolated-vm';
import { HostServices } from './hostServices.ts';
import { PRELUDE_FILENAME } from './stackMapper.ts';
import { createZlibHost } from './zlibHost.ts';
import { BRIDGE_GLOBAL, type BodyReader, type DispatchResult, type WireLogLevel, type WireRequest } from '../isolate/wire.ts';

export interface WorkerIsolateOptions {
  /** dist/prelude.js */
  prelude: string;
  /** The bundled worker module. */
  code: string;
  /** Script URL of the module (what stack traces and debuggers show). */
  url: string;
  /** The worker's `env` (config vars): plain data, copied in. */
  env: Record<string, unknown>;
  /** Create the isolate and context with inspector support (only with --inspect: it costs memory and speed). */
  inspector: boolean;
  memoryLimitMb?: number;
  /** Console output and runtime messages; `location` is the raw `url:line:column` of a console call. */
  onLog(level: WireLogLevel, message: string, location?: string): void;
  /**
   * A promise rejected with no handler by the end of an isolate task (isolated-vm's own PromiseRejectCallback
   * tracking surfaces it as the failure of the host call that ran that task). Default: logged as an error.
   */
  onUncaught?(err: unknown): void;
}

/**
 * The prelude, compiled once per process and per prelude text: later isolates start from V8's code cache. The cache
 * is produced after a run (so it holds the functions the prelude's top level compiles, not only the top level) in a
 * throwaway isolate, off the first worker's path, and kept on disk for the next process. V8 checks the cache against
 * its version, flags and the source, and says so in `cachedDataRejected`: a stale file only costs a normal compile.
 */
export class PreludeCache {
  static readonly #byCode = new Map<string, PreludeCache>();
  readonly code: string;
  readonly #file: string;
  #data: ivm.ExternalCopy<ArrayBuffer> | undefined;
  #producing: Promise<void> | undefined;

  private constructor(code: string) {
    this.code = code;
    const key = createHash('sha256').update(code).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 24);
    this.#file = path.join(os.tmpdir(), 'worker-studio', `prelude-${key}.v8cache`);
    try {
      if (PreludeCache.enabled) this.#data = new ivm.ExternalCopy(new Uint8Array(readFileSync(this.#file)).buffer);
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
      makeCacheDir(path.dirname(this.#file));
      const temporary = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temporary, bytes);
      renameSync(temporary, this.#file);
      // Caches of earlier preludes (another build) are dead weight.
      for (const name of readdirSync(path.dirname(this.#file))) {
        if (/^prelude-[0-9a-f]+\.v8cache$/.test(name) && name !== path.basename(this.#file)) rmSync(path.join(path.dirname(this.#file), name), { force: true });
      }
    } catch {
      // Only a speed-up: without it every isolate compiles the prelude from source.
    } finally {
      isolate.dispose();
    }
  }
}

/**
 * Creates the cache folder inside os.tmpdir(), which must exist. Deliberately not `recursive`: Node 24's recursive
 * mkdir spins forever when the parent is under /proc (a sidecar with TMPDIR=/proc/none was seen at 100% CPU).
 */
function makeCacheDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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

type Pending = Map<number, { resolve(result: DispatchResult): void; reject(err: unknown): void }>;

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
  /** Requests in flight, by id: the isolate delivers each result through a host Reference (see bridge.dispatch). */
  readonly #pending: Pending;
  #nextId = 1;
  readonly #onUncaught: (err: unknown) => void;
  /** Timers, crypto keys and outbound requests of this instance (cleared on dispose). */
  readonly host: HostServices;
  /** The bridge's `read(id)` / `cancel(id)` for streamed response bodies. */
  #body: ResponseBodyReferences | undefined;
  #disposed = false;

  private constructor(
    isolate: ivm.Isolate,
    context: ivm.Context,
    url: string,
    dispatch: ivm.Reference<(request: WireRequest, id: number) => Promise<void>>,
    host: HostServices,
    pending: Pending,
    onUncaught: (err: unknown) => void,
  ) {
    this.#pending = pending;
    this.#onUncaught = onUncaught;
    this.isolate = isolate;
    this.context = context;
    this.url = url;
    this.#dispatch = dispatch;
    this.host = host;
  }

  static async create(options: WorkerIsolateOptions): Promise<WorkerIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: options.memoryLimitMb ?? 128, inspector: options.inspector });
    const host = new HostServices({ onLog: (level, message) => options.onLog(level, message) });
    const pending: Pending = new Map();
    const onUncaught = options.onUncaught ?? ((err: unknown) => options.onLog('error', uncaughtText(err)));
    try {
      const context = await isolate.createContext({ inspector: options.inspector });
      await PreludeCache.for(options.prelude).run(isolate, context);
      const bridge = (await context.global.get(BRIDGE_GLOBAL, { reference: true })) as ivm.Reference<Record<string, unknown>>;
      await context.global.delete(BRIDGE_GLOBAL);
      const method = async (name: string) => (await bridge.get(name, { reference: true })) as ivm.Reference<(...args: unknown[]) => unknown>;
      // applyIgnored from the isolate: console output never waits on (or blocks) the host.
      const log = new ivm.Reference((level: WireLogLevel, message: string, location?: string) => options.onLog(level, message, location));
      const deliver = new ivm.Reference((id: number, result: DispatchResult) => {
        const entry = pending.get(id);
        pending.delete(id);
        entry?.resolve(result);
      });
      await (await method('connect')).apply(undefined, [log, host.toIsolate(), deliver]);
      await (await method('connectStreams')).apply(undefined, [new ivm.Reference(createZlibHost())]);
      host.attach((await method('fireTimer')) as ivm.Reference<(id: number) => boolean>);

      let module: ivm.Module;
      try {
        module = await isolate.compileModule(options.code, { filename: options.url });
        await module.instantiate(context, (specifier) => {
          throw new Error(`Cannot import "${specifier}": runtime modules (node:*, cloudflare:*) are not available yet`);
        });
        await module.evaluate();
        await (await method('start')).apply(undefined, [module.namespace.derefInto(), new ivm.ExternalCopy(options.env).copyInto()]);
      } catch (err) {
        throw loadError(err);
      }
      const dispatch = (await method('dispatch')) as ivm.Reference<(request: WireRequest, id: number) => Promise<void>>;
      const body = { read: (await method('read')) as ivm.Reference<(id: number) => Promise<Uint8Array | null>>, cancel: (await method('cancel')) as ivm.Reference<(id: number) => void> };
      const instance = new WorkerIsolate(isolate, context, options.url, dispatch, host, pending, onUncaught);
      instance.#body = body;
      return instance;
    } catch (err) {
      host.dispose();
      isolate.dispose();
      throw err;
    }
  }

  /** Runs one request through the worker's fetch handler; handler errors come back as `{ ok: false }`. */
  async dispatch(request: WireRequest): Promise<DispatchResult> {
    // A request `reader` is pulled lazily by the isolate; a streamed response comes back with a `reader` the caller
    // must drain or cancel: each read is one async call into the isolate for one chunk.
    const { reader, ...plain } = request;
    const id = this.#nextId++;
    const args: unknown[] = [new ivm.ExternalCopy(plain).copyInto(), id];
    if (reader) args.push(new ivm.Reference(async (op: string) => (op === 'cancel' ? reader.cancel() : reader.read())));
    const delivered = new Promise<DispatchResult>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#dispatch.apply(undefined, args as never, { result: { promise: true } }).catch((err: unknown) => {
      // The call itself failed: either the isolate is gone (the request fails), or a promise rejection went unhandled
      // while it ran (only logged: the request's result still arrives through `deliver`).
      if (this.#disposed || this.isolate.isDisposed) {
        this.#pending.get(id)?.reject(err);
        this.#pending.delete(id);
      } else {
        this.#onUncaught(err);
      }
    });
    const result = await delivered;
    if (result.ok && result.response.stream !== undefined) result.response.reader = this.#responseReader(result.response.stream);
    return result;
  }

  #responseReader(id: number): BodyReader {
    const body = this.#body as ResponseBodyReferences;
    return {
      read: async () => (await body.read.apply(undefined, [id], { result: { promise: true, copy: true } })) as Uint8Array | null,
      cancel: async () => {
        if (!this.#disposed) await body.cancel.apply(undefined, [id]);
      },
    };
  }

  createInspectorSession(): ivm.InspectorSession {
    return this.isolate.createInspectorSession();
  }

  /** Callers close inspector sessions first and let the event loop turn (see platform notes: dispose ordering). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const entry of this.#pending.values()) entry.reject(new Error('The worker was stopped'));
    this.#pending.clear();
    this.host.dispose();
    this.context.release();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
