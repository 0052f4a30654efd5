/**
 * One worker in one isolated-vm isolate: creates the isolate and context, runs the prelude, compiles and evaluates the
 * worker module (eagerly, so a debugger can bind breakpoints before the first request), and calls its fetch handler.
 * Everything crossing the boundary is a copy; host functions go in only as References. Only the async isolated-vm
 * API is used: a debugger may pause the isolate at any time, and a sync call would block the host with it.
 */
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
  onLog(level: WireLogLevel, message: string): void;
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

interface ResponseBodyReferences {
  read: ivm.Reference<(id: number) => Promise<Uint8Array | null>>;
  cancel: ivm.Reference<(id: number) => void>;
}

export class WorkerIsolate {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly url: string;
  readonly #dispatch: ivm.Reference<(request: WireRequest) => Promise<DispatchResult>>;
  /** Timers, crypto keys and outbound requests of this instance (cleared on dispose). */
  readonly host: HostServices;
  /** The bridge's `read(id)` / `cancel(id)` for streamed response bodies. */
  #body: ResponseBodyReferences | undefined;
  #disposed = false;

  private constructor(isolate: ivm.Isolate, context: ivm.Context, url: string, dispatch: ivm.Reference<(request: WireRequest) => Promise<DispatchResult>>, host: HostServices) {
    this.isolate = isolate;
    this.context = context;
    this.url = url;
    this.#dispatch = dispatch;
    this.host = host;
  }

  static async create(options: WorkerIsolateOptions): Promise<WorkerIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: options.memoryLimitMb ?? 128, inspector: options.inspector });
    const host = new HostServices({ onLog: options.onLog });
    try {
      const context = await isolate.createContext({ inspector: options.inspector });
      await context.eval(options.prelude, { filename: PRELUDE_FILENAME });
      const bridge = (await context.global.get(BRIDGE_GLOBAL, { reference: true })) as ivm.Reference<Record<string, unknown>>;
      await context.global.delete(BRIDGE_GLOBAL);
      const method = async (name: string) => (await bridge.get(name, { reference: true })) as ivm.Reference<(...args: unknown[]) => unknown>;
      // applyIgnored from the isolate: console output never waits on (or blocks) the host.
      const log = new ivm.Reference((level: WireLogLevel, message: string) => options.onLog(level, message));
      await (await method('connect')).apply(undefined, [log, host.toIsolate()]);
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
      const dispatch = (await method('dispatch')) as ivm.Reference<(request: WireRequest) => Promise<DispatchResult>>;
      const body = { read: (await method('read')) as ivm.Reference<(id: number) => Promise<Uint8Array | null>>, cancel: (await method('cancel')) as ivm.Reference<(id: number) => void> };
      const instance = new WorkerIsolate(isolate, context, options.url, dispatch, host);
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
    const args: unknown[] = [new ivm.ExternalCopy(plain).copyInto()];
    if (reader) args.push(new ivm.Reference(async (op: string) => (op === 'cancel' ? reader.cancel() : reader.read())));
    const result = (await this.#dispatch.apply(undefined, args as never, { result: { promise: true, copy: true } })) as DispatchResult;
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
    this.host.dispose();
    this.context.release();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
