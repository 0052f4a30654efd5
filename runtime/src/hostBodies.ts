/**
 * The host ends of bodies that cross the boundary as streams (the isolate's ends are runtime/isolate/bodyStreams.ts):
 * host bodies the isolate pulls through a Reference, and one outbound request's bodies and lifetime (`Outbound`).
 */
import ivm from 'isolated-vm';
import type { HostBodyReference, HostBodyResult, WireThrown } from '../isolate/hostWire.ts';
import type { BodyReader } from '../isolate/wire.ts';

/** Any error as data for the isolate (it is thrown again there as the same kind of error). */
export function thrown(err: unknown): WireThrown {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The reader behind each body Reference's function, for a body the isolate hands back untouched. */
const bodyReaders = new WeakMap<object, BodyReader>();

/**
 * A host body as the Reference the isolate pulls (its `hostBodyStream`): `read` → the next chunk or null, `cancel`.
 * Failures come back as data: a rejected promise would also be an unhandled rejection in this process.
 */
export function bodyReference(reader: BodyReader): ivm.Reference<(op: string) => Promise<HostBodyResult>> {
  const pull = (op: string) => (op === 'cancel' ? reader.cancel().then(() => undefined) : reader.read()).then((value): HostBodyResult => value, (err: unknown) => ({ error: thrown(err) }));
  bodyReaders.set(pull, reader);
  return new ivm.Reference(pull);
}

/** A host body the worker passed on untouched (WireResponse/WireFetchRequest `hostBody`): read here, directly. */
export function returnedBody(body: HostBodyReference): BodyReader {
  // Crossing back, the isolate's handle arrives as a host Reference to the function `bodyReference` made.
  const reference = body as unknown as ivm.Reference;
  const reader = bodyReaders.get(reference.deref() as object);
  reference.release();
  if (!reader) throw new TypeError('The body is not one of this worker\'s host bodies');
  return reader;
}

/** A Web stream's body as a BodyReader: one chunk per read, nothing read ahead of the reads (undici pauses its socket). */
function streamBodyReader(stream: ReadableStream<Uint8Array>): BodyReader {
  const reader = stream.getReader();
  return {
    read: async () => {
      const { done, value } = await reader.read();
      if (done) return null;
      // Exactly the chunk: a copy crossing into the isolate carries the whole buffer a view is part of.
      return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : new Uint8Array(value);
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/** A BodyReader as a Web stream, for undici to send: pulled chunk by chunk as the socket takes it; `onEnd` once read to the end. */
function readerBodyStream(reader: BodyReader, onEnd: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // An empty chunk is not sent: ask again until there are bytes or the end.
        for (;;) {
          const chunk = await reader.read();
          if (chunk === null) {
            onEnd();
            return controller.close();
          }
          if (chunk.byteLength) return controller.enqueue(chunk);
        }
      },
      cancel: (reason) => reader.cancel(String(reason)).catch(() => {}),
    },
    { highWaterMark: 0 },
  );
}

/**
 * One outbound request of a worker, from the call until its response body is done (read to the end, cancelled, failed,
 * aborted, or the worker disposed): what it holds on the host, released exactly once.
 */
export class Outbound {
  readonly controller = new AbortController();
  readonly #onEnd: () => void;
  /** The isolate's request body while undici still sends it. */
  #requestBody: BodyReader | undefined;
  #response: ivm.Reference | undefined;
  #ended = false;

  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  /** A request body the isolate streams (pulled with the bridge's `read(id)`), as undici's body. */
  requestBody(reader: BodyReader): ReadableStream<Uint8Array> {
    this.#requestBody = reader;
    return readerBodyStream(reader, () => (this.#requestBody = undefined));
  }

  /** The response body as the Reference the isolate pulls; its end, failure or cancellation ends the request. */
  responseBody(body: ReadableStream<Uint8Array>): HostBodyReference {
    const source = streamBodyReader(body);
    const reference = bodyReference({
      read: async () => {
        try {
          const chunk = await source.read();
          if (chunk === null) this.end();
          return chunk;
        } catch (err) {
          this.abort();
          throw err;
        }
      },
      cancel: async (reason) => {
        await source.cancel(reason).catch(() => {});
        this.abort();
      },
    });
    this.#response = reference;
    // The isolate gets its own handle (a copy of the reference); this one is released when the request ends.
    return reference as unknown as HostBodyReference;
  }

  /** Cancelled (by the worker, its signal, a failure, or dispose): undici's request goes too, then everything ends. */
  abort(): void {
    if (!this.#ended) this.controller.abort();
    this.end();
  }

  /** Done: whatever of the isolate's request body was not sent is cancelled, the Reference released. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#requestBody?.cancel().catch(() => {});
    this.#requestBody = undefined;
    this.#response?.release();
    this.#response = undefined;
    this.#onEnd();
  }
}
