/**
 * Web streams for the isolate: the WHATWG reference-derived `web-streams-polyfill` (its ES module ponyfill, bundled
 * into the prelude; it only needs ECMAScript built-ins and uses queueMicrotask when present), plus the TransformStream
 * classes built on it: TextEncoderStream, TextDecoderStream, CompressionStream and DecompressionStream.
 * Compression crosses to the host (node:zlib) chunk by chunk through a Reference the host hands over at connect time.
 */
export {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableByteStreamController,
  ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest,
  ReadableStreamDefaultController,
  ReadableStreamDefaultReader,
  TransformStreamDefaultController,
  WritableStreamDefaultController,
  WritableStreamDefaultWriter,
} from 'web-streams-polyfill';
import {
  ReadableByteStreamController,
  ReadableStream as PolyfillReadableStream,
  ReadableStreamDefaultController,
  TransformStream as PolyfillTransformStream,
  TransformStreamDefaultController,
  WritableStream as PolyfillWritableStream,
  type ReadableStreamDefaultReader,
} from 'web-streams-polyfill';
import { AbortSignal } from './abort.ts';
import { concatBytes, TextDecoder, toBytes, utf8Encode } from './encoding.ts';
import { isObject } from './webidl.ts';
import { resumeIn } from './ioContext.ts';

/*
 * Where workerd differs from the polyfill (the reference implementation), patched at this boundary:
 * - an invalid highWaterMark (negative, NaN) is a TypeError, not a RangeError;
 * - a start() that throws errors the stream instead of throwing from the constructor;
 * - writer.ready resolves once the sink has started, even under back-pressure;
 * - tee: the source is cancelled with the reason of the branch cancelled last, and only that cancel() waits for it;
 * - pipeTo/pipeThrough run workerd's pipe loop (see `pipe`);
 * - workerd's messages for locked streams and for enqueue()/close() on a stream that can no longer take them;
 * - async iterator results are `{ done, value }` (that member order).
 * A few of these read or replace the polyfill's internal slots (its reference-implementation names, `Slots` below).
 */
const READER_LOCKED = 'This ReadableStream is currently locked to a reader.';
// workerd's pipeTo says it without the full stop, getWriter and pipeThrough with it.
const WRITER_LOCKED = 'This WritableStream is currently locked to a writer';

interface ReadableSlots {
  _state: 'readable' | 'closed' | 'errored';
  _storedError: unknown;
  _disturbed: boolean;
  _readableStreamController: ControllerSlots;
}
interface ControllerSlots {
  _closeRequested: boolean;
  _cancelAlgorithm: ((reason: unknown) => Promise<void>) | undefined;
}
interface WritableSlots {
  _state: 'writable' | 'erroring' | 'errored' | 'closed';
  _storedError: unknown;
  _writer: WriterSlots | undefined;
}
interface WriterSlots {
  _readyPromise_resolve: ((value?: unknown) => void) | undefined;
  _readyPromise_reject: ((reason: unknown) => void) | undefined;
  _readyPromiseState: string;
}
const slots = <T>(value: unknown): T => value as T;

type Callback = (...args: unknown[]) => unknown;
type Dictionary = Record<string, unknown>;

/** A start() that rejects instead of throwing (a rejection errors the stream); `onStarted` runs once it succeeds. */
function startNeverThrows(start: Callback, onStarted?: (controller: unknown) => void): Callback {
  return (controller: unknown) => {
    let result: unknown;
    try {
      result = start(controller);
    } catch (err) {
      return Promise.reject(err);
    }
    if (onStarted) Promise.resolve(result).then(() => onStarted(controller), () => {});
    return result;
  };
}

/** workerd resolves the writer's ready promise when start() succeeds, even with writes queued past the high-water mark. */
function resolveReady(controller: unknown): void {
  const stream = (controller as { _controlledWritableStream?: WritableSlots })._controlledWritableStream;
  const writer = stream?._writer;
  if (stream?._state !== 'writable' || !writer?._readyPromise_resolve) return;
  writer._readyPromise_resolve(undefined);
  writer._readyPromise_resolve = undefined;
  writer._readyPromise_reject = undefined;
  writer._readyPromiseState = 'fulfilled';
}

interface UnderlyingKind {
  constructor: string;
  dictionary: string;
  /** In the order workerd reads them; `true` for the callbacks. */
  members: [name: string, callback: boolean][];
  onStarted?: (controller: unknown) => void;
}

/**
 * An underlying source/sink/transformer as workerd converts it, handed to the polyfill as a plain object: null is an
 * empty one, workerd's messages for wrong types, callbacks called on the original object, start() never throwing.
 */
function underlying(value: unknown, kind: UnderlyingKind): Dictionary {
  const dict = value ?? {};
  if (!isObject(dict)) throw new TypeError(`Failed to construct '${kind.constructor}': constructor parameter 1 is not of type '${kind.dictionary}'.`);
  const out: Dictionary = {};
  for (const [name, callback] of kind.members) {
    const member = dict[name];
    if (!callback || member === undefined) {
      out[name] = member;
    } else if (typeof member === 'function') {
      out[name] = (...args: unknown[]) => (member as Callback).apply(dict, args);
    } else {
      throw new TypeError(`Incorrect type for the '${name}' field on '${kind.dictionary}': the provided value is not of type 'function'.`);
    }
  }
  // Without a start(), workerd starts the stream within the constructor, before any writer could be waiting.
  if (out.start) out.start = startNeverThrows(out.start as Callback, kind.onStarted);
  return out;
}

/** A constructor whose first argument (the underlying source/sink/transformer) is rewritten by `convert`. */
function withUnderlying<T extends abstract new (...args: any) => object>(target: T, convert: (underlying: unknown) => unknown): T {
  return new Proxy(target, {
    construct(target, [underlying, ...rest], newTarget) {
      return Reflect.construct(target, [convert(underlying), ...rest], newTarget) as object;
    },
  });
}

const SOURCE: UnderlyingKind = {
  constructor: 'ReadableStream',
  dictionary: 'UnderlyingSource',
  members: [['type', false], ['autoAllocateChunkSize', false], ['start', true], ['pull', true], ['cancel', true]],
};
const SINK: UnderlyingKind = {
  constructor: 'WritableStream',
  dictionary: 'UnderlyingSink',
  members: [['type', false], ['start', true], ['write', true], ['abort', true], ['close', true]],
  onStarted: resolveReady,
};
const TRANSFORMER: UnderlyingKind = {
  constructor: 'TransformStream',
  dictionary: 'Transformer',
  members: [['readableType', false], ['writableType', false], ['start', true], ['transform', true], ['flush', true], ['cancel', true]],
};

export const ReadableStream = new Proxy(withUnderlying(PolyfillReadableStream, (source) => underlying(source, SOURCE)), {
  construct(target, args, newTarget) {
    try {
      return Reflect.construct(target, args, newTarget) as object;
    } catch (err) {
      if (err instanceof RangeError && /highWaterMark/i.test(err.message)) throw new TypeError(err.message);
      throw err;
    }
  },
});
export type ReadableStream<R = any> = PolyfillReadableStream<R>;

export const WritableStream = withUnderlying(PolyfillWritableStream, (sink) => underlying(sink, SINK));
export type WritableStream<W = any> = PolyfillWritableStream<W>;

export const TransformStream = withUnderlying(PolyfillTransformStream, (transformer) => {
  const dict = underlying(transformer, TRANSFORMER);
  for (const name of ['readableType', 'writableType']) if (dict[name] !== undefined) throw new TypeError(`transformer.${name} must be undefined.`);
  return dict;
});
export type TransformStream<I = any, O = any> = PolyfillTransformStream<I, O>;

/** Replaces `proto[name]` with `wrap(original)`, keeping the property's shape. */
function patch(proto: object, name: string, wrap: (original: Callback) => Callback): void {
  const original = (proto as Record<string, Callback>)[name] as Callback;
  Object.defineProperty(proto, name, { value: wrap(original), writable: true, configurable: true });
}

interface PipeOptions {
  preventAbort: boolean;
  preventCancel: boolean;
  preventClose: boolean;
  signal: AbortSignal | undefined;
}

function pipeOptions(options: unknown): PipeOptions {
  const dict = isObject(options) ? options : {};
  // Members read in the dictionary's (alphabetical) order.
  const parsed = { preventAbort: Boolean(dict.preventAbort), preventCancel: Boolean(dict.preventCancel), preventClose: Boolean(dict.preventClose), signal: dict.signal };
  if (parsed.signal !== undefined && !(parsed.signal instanceof AbortSignal)) {
    throw new TypeError("Incorrect type for the 'signal' field on 'PipeToOptions': the provided value is not of type 'AbortSignal'.");
  }
  return parsed as PipeOptions;
}

/**
 * workerd's pipe (WritableStreamJsController::pipeLoop), not the spec's: one chunk at a time — read, write, wait for the
 * write — with both streams' states and the AbortSignal looked at only between those steps. So an abort takes effect
 * once a pending read settles: never, for a source that produces nothing (the pipe then hangs, as in workerd).
 */
function pipe(source: PolyfillReadableStream, dest: PolyfillWritableStream, options: PipeOptions): Promise<void> {
  const { preventAbort, preventCancel, preventClose, signal } = options;
  const readable = slots<ReadableSlots>(source);
  const writable = slots<WritableSlots>(dest);
  readable._disturbed = true;
  const reader = source.getReader() as ReadableStreamDefaultReader<unknown>;
  const writer = dest.getWriter();
  /** Unlocks the source; with a reason, also cancels it (unless preventCancel). */
  const releaseSource = (reason?: { error: unknown }) => {
    if (reason && !preventCancel) reader.cancel(reason.error).catch(() => {});
    reader.releaseLock();
  };
  const fail = (error: unknown) => Promise.reject(error);
  const checkSignal = (): Promise<void> | undefined => {
    if (!signal?.aborted) return undefined;
    const reason: unknown = signal.reason;
    releaseSource({ error: reason });
    const aborted = preventAbort ? undefined : writer.abort(reason);
    writer.releaseLock();
    return aborted ? aborted.then(() => fail(reason)) : fail(reason);
  };
  const step = (): Promise<void> => {
    const aborted = checkSignal();
    if (aborted) return aborted;
    if (readable._state === 'errored') {
      const error = readable._storedError;
      releaseSource();
      writer.releaseLock();
      return preventAbort ? fail(error) : dest.abort(error).then(() => fail(error));
    }
    if (writable._state === 'errored' || writable._state === 'erroring' || writable._state === 'closed') {
      const error = writable._state === 'closed' ? new TypeError('This destination writable stream is closed.') : writable._storedError;
      writer.releaseLock();
      releaseSource({ error });
      return fail(error);
    }
    if (readable._state === 'closed') {
      releaseSource();
      writer.releaseLock();
      return preventClose ? Promise.resolve() : dest.close();
    }
    return reader.read().then((result) => {
      const aborted = checkSignal();
      if (aborted) return aborted;
      // A done read closes the destination at the start of the next step.
      if (result.done) return step();
      return writer.write(result.value).then(step, (error: unknown) => {
        writer.releaseLock();
        releaseSource({ error });
        return fail(error);
      });
    }, step);
  };
  return step();
}

{
  const proto = PolyfillReadableStream.prototype as unknown as Record<string, Callback>;
  patch(proto, 'getReader', (getReader) =>
    function (this: unknown, ...args: unknown[]) {
      if (this instanceof PolyfillReadableStream && this.locked) throw new TypeError(READER_LOCKED);
      return getReader.apply(this, args);
    },
  );
  patch(PolyfillWritableStream.prototype, 'getWriter', (getWriter) =>
    function (this: unknown, ...args: unknown[]) {
      if (this instanceof PolyfillWritableStream && this.locked) throw new TypeError(`${WRITER_LOCKED}.`);
      return getWriter.apply(this, args);
    },
  );
  patch(proto, 'pipeTo', (pipeTo) =>
    function (this: unknown, destination: unknown, options?: unknown) {
      if (!(this instanceof PolyfillReadableStream)) return pipeTo.call(this, destination, options);
      if (!(destination instanceof PolyfillWritableStream)) {
        return Promise.reject(new TypeError("Failed to execute 'pipeTo' on 'ReadableStream': parameter 1 is not of type 'WritableStream'."));
      }
      let parsed: PipeOptions;
      try {
        parsed = pipeOptions(options);
      } catch (err) {
        return Promise.reject(err);
      }
      if (this.locked) return Promise.reject(new TypeError(READER_LOCKED));
      if (destination.locked) return Promise.reject(new TypeError(WRITER_LOCKED));
      return pipe(this, destination, parsed);
    },
  );
  patch(proto, 'pipeThrough', (pipeThrough) =>
    function (this: unknown, transform: unknown, options?: unknown) {
      const pair = isObject(transform) ? { readable: transform.readable, writable: transform.writable } : undefined;
      // Anything but a stream and a pair of streams gets the polyfill's own argument errors.
      if (!(this instanceof PolyfillReadableStream) || !(pair?.readable instanceof PolyfillReadableStream) || !(pair.writable instanceof PolyfillWritableStream)) {
        return pipeThrough.call(this, transform, options);
      }
      const parsed = pipeOptions(options);
      if (this.locked) throw new TypeError(READER_LOCKED);
      if (pair.writable.locked) throw new TypeError(`${WRITER_LOCKED}.`);
      // Nobody can see this pipe's promise; its failure shows on the streams.
      pipe(this, pair.writable, parsed).catch(() => {});
      return pair.readable;
    },
  );
  patch(proto, 'tee', (tee) =>
    function (this: unknown) {
      const branches = tee.call(this) as PolyfillReadableStream[];
      const source = slots<ReadableSlots>(this)._readableStreamController;
      const cancelSource = source._cancelAlgorithm;
      // Until the source closes or errors (which clears its algorithms), only the tee can cancel it.
      if (!cancelSource) return branches;
      let lastReason: unknown;
      let uncancelled = branches.length;
      source._cancelAlgorithm = () => cancelSource(lastReason);
      for (const branch of branches) {
        const controller = slots<ReadableSlots>(branch)._readableStreamController;
        const cancelBranch = controller._cancelAlgorithm as (reason: unknown) => Promise<void>;
        controller._cancelAlgorithm = (reason) => {
          lastReason = reason;
          const cancelled = cancelBranch(reason);
          return --uncancelled > 0 ? Promise.resolve() : cancelled;
        };
      }
      return branches;
    },
  );
  const iteratorProto = Object.getPrototypeOf(new PolyfillReadableStream().values()) as object;
  for (const method of ['next', 'return']) {
    patch(iteratorProto, method, (original) =>
      function (this: unknown, ...args: unknown[]) {
        return (original.apply(this, args) as Promise<IteratorResult<unknown>>).then((result) =>
          result && typeof result === 'object' ? { done: result.done, value: result.value } : result,
        );
      },
    );
  }
}

/** `proto[name]` throws workerd's `message` when the readable stream the controller feeds is closing, closed or errored. */
function guard(proto: object, name: string, message: string, streamOf: (controller: Dictionary) => unknown): void {
  patch(proto, name, (original) =>
    function (this: unknown, ...args: unknown[]) {
      const stream = isObject(this) ? slots<ReadableSlots | undefined>(streamOf(this)) : undefined;
      if (stream && (stream._state !== 'readable' || stream._readableStreamController._closeRequested)) throw new TypeError(message);
      return original.apply(this, args);
    },
  );
}
const defaultStream = (controller: Dictionary) => controller._controlledReadableStream;
const byteStream = (controller: Dictionary) => controller._controlledReadableByteStream;
guard(ReadableStreamDefaultController.prototype, 'enqueue', 'Unable to enqueue', defaultStream);
guard(ReadableStreamDefaultController.prototype, 'close', 'This ReadableStream is closed.', defaultStream);
guard(ReadableByteStreamController.prototype, 'enqueue', 'This ReadableByteStreamController is closed.', byteStream);
guard(ReadableByteStreamController.prototype, 'close', 'This ReadableStream is closed.', byteStream);
guard(TransformStreamDefaultController.prototype, 'enqueue', 'The readable side of this TransformStream is no longer readable.', (controller) =>
  slots<{ _readable: ReadableSlots } | undefined>(controller._controlledTransformStream)?._readable,
);

/** The polyfill's internal "disturbed" flag (a stream that has been read from or cancelled). */
export function isDisturbed(stream: ReadableStream): boolean {
  return Boolean(slots<ReadableSlots>(stream)._disturbed);
}

/** Bytes of a chunk a body stream produced; workerd refuses anything that is not an ArrayBuffer(View). */
export function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return toBytes(chunk);
  throw new TypeError('This ReadableStream did not return bytes.');
}

/** Reads a whole stream into one byte array. */
export async function readAll(stream: ReadableStream): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const bytes = chunkBytes(value);
    chunks.push(bytes);
  }
  if (chunks.length === 1) return (chunks[0] as Uint8Array).slice();
  return concatBytes(chunks);
}

/** A byte stream that yields `bytes` (one chunk) and closes. */
export function streamOfBytes(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    type: 'bytes',
    start(controller: ReadableStreamDefaultController<Uint8Array>) {
      if (bytes.byteLength) controller.enqueue(bytes.slice());
      controller.close();
    },
  } as never);
}

export class TextEncoderStream {
  readonly #transform: TransformStream<string, Uint8Array>;
  constructor() {
    let pendingHigh = '';
    this.#transform = new TransformStream<string, Uint8Array>({
      transform(chunk, controller) {
        let text = pendingHigh + String(chunk);
        pendingHigh = '';
        const last = text.charCodeAt(text.length - 1);
        // A lone high surrogate at the end may pair with the next chunk.
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHigh = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text) controller.enqueue(utf8Encode(text));
      },
      flush(controller) {
        if (pendingHigh) controller.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
      },
    });
  }
  get encoding(): string {
    return 'utf-8';
  }
  get readable(): ReadableStream<Uint8Array> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<string> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'TextEncoderStream';
  }
}

export class TextDecoderStream {
  readonly #transform: TransformStream<unknown, string>;
  readonly #decoder: TextDecoder;
  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = new TransformStream<unknown, string>({
      transform(chunk, controller) {
        const text = decoder.decode(toBytes(chunk), { stream: true });
        if (text) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text) controller.enqueue(text);
      },
    });
  }
  get encoding(): string {
    return this.#decoder.encoding;
  }
  get fatal(): boolean {
    return this.#decoder.fatal;
  }
  get ignoreBOM(): boolean {
    return this.#decoder.ignoreBOM;
  }
  get readable(): ReadableStream<string> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<unknown> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'TextDecoderStream';
  }
}

/** The host's zlib, as the isolate sees it: an isolated-vm Reference to `(op, id|format, bytes?) => Promise<…>`. */
export interface ZlibReference {
  apply(receiver: undefined, args: unknown[], options: object): Promise<unknown>;
}

let zlibRef: ZlibReference | undefined;

export function connectZlib(ref: ZlibReference): void {
  zlibRef = ref;
}

function zlibCall(args: unknown[]): Promise<unknown> {
  if (!zlibRef) return Promise.reject(new Error('compression is not available in this runtime'));
  // Host errors come back as data ({ error }) and are thrown again here as the TypeError workerd throws.
  return resumeIn(zlibRef.apply(undefined, args, { arguments: { copy: true }, result: { promise: true, copy: true } })).then((result) => {
    if (result && typeof result === 'object' && 'error' in result) throw new TypeError(String((result as { error: unknown }).error));
    return result;
  });
}

const FORMATS = ['gzip', 'deflate', 'deflate-raw'];

function zlibTransform(mode: 'compress' | 'decompress', format: unknown): TransformStream<unknown, Uint8Array> {
  const name = String(format);
  if (!FORMATS.includes(name)) {
    throw new TypeError("The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.");
  }
  let id: Promise<unknown> | undefined;
  const open = () => (id ??= zlibCall(['open', mode, name]));
  const push = (controller: TransformStreamDefaultController<Uint8Array>, out: unknown) => {
    if (out instanceof Uint8Array && out.byteLength) controller.enqueue(out);
  };
  return new TransformStream<unknown, Uint8Array>({
    async transform(chunk: unknown, controller: TransformStreamDefaultController<Uint8Array>) {
      // workerd also takes strings (as their UTF-8 bytes).
      const bytes = typeof chunk === 'string' ? utf8Encode(chunk) : chunkBytes(chunk);
      if (!bytes.byteLength) return;
      push(controller, await zlibCall(['write', await open(), bytes.slice()]));
    },
    async flush(controller: TransformStreamDefaultController<Uint8Array>) {
      push(controller, await zlibCall(['end', await open()]));
    },
    async cancel() {
      if (id) await zlibCall(['close', await id]);
    },
  } as never);
}

export class CompressionStream {
  readonly #transform: TransformStream<unknown, Uint8Array>;
  constructor(format: string) {
    this.#transform = zlibTransform('compress', format);
  }
  get readable(): ReadableStream<Uint8Array> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<unknown> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'CompressionStream';
  }
}

export class DecompressionStream {
  readonly #transform: TransformStream<unknown, Uint8Array>;
  constructor(format: string) {
    this.#transform = zlibTransform('decompress', format);
  }
  get readable(): ReadableStream<Uint8Array> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<unknown> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'DecompressionStream';
  }
}
