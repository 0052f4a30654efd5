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
  TransformStream,
  TransformStreamDefaultController,
  WritableStream,
  WritableStreamDefaultController,
  WritableStreamDefaultWriter,
} from 'web-streams-polyfill';
import {
  ReadableStream as PolyfillReadableStream,
  TransformStream,
  WritableStream,
  type ReadableStreamDefaultController,
  type TransformStreamDefaultController,
} from 'web-streams-polyfill';
import { concatBytes, TextDecoder, toBytes, utf8Encode } from './encoding.ts';

/*
 * Where workerd differs from the polyfill (the reference implementation), patched at this boundary:
 * - an invalid highWaterMark (negative, NaN) is a TypeError, not a RangeError;
 * - getReader() on a locked stream says workerd's message;
 * - async iterator results are `{ done, value }` (that member order).
 */
const LOCKED = 'This ReadableStream is currently locked to a reader.';
export const ReadableStream = new Proxy(PolyfillReadableStream, {
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
{
  const proto = PolyfillReadableStream.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const getReader = proto.getReader as (...args: unknown[]) => unknown;
  Object.defineProperty(proto, 'getReader', {
    value: function (this: PolyfillReadableStream, ...args: unknown[]) {
      if (this instanceof PolyfillReadableStream && this.locked) throw new TypeError(LOCKED);
      return getReader.apply(this, args);
    },
    writable: true,
    configurable: true,
  });
  const iteratorProto = Object.getPrototypeOf(new PolyfillReadableStream().values()) as Record<string, (...args: unknown[]) => Promise<IteratorResult<unknown>>>;
  for (const method of ['next', 'return'] as const) {
    const original = iteratorProto[method];
    if (typeof original !== 'function') continue;
    Object.defineProperty(iteratorProto, method, {
      value: function (this: unknown, ...args: unknown[]) {
        return original.apply(this, args).then((result) => (result && typeof result === 'object' ? { done: result.done, value: result.value } : result));
      },
      writable: true,
      configurable: true,
    });
  }
}

/** The polyfill's internal "disturbed" flag (a stream that has been read from or cancelled). */
export function isDisturbed(stream: ReadableStream): boolean {
  return Boolean((stream as unknown as { _disturbed?: boolean })._disturbed);
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
  return zlibRef.apply(undefined, args, { arguments: { copy: true }, result: { promise: true, copy: true } }).then((result) => {
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
