/**
 * Bodies that cross the host ↔ isolate boundary as streams, chunk by chunk, one mechanism for both directions and
 * for both the incoming request (bridge.ts) and outbound fetch (fetch.ts):
 * - host → isolate (the incoming request body, a fetch response body): `hostBodyStream(ref)` is a byte stream that
 *   pulls the host's body through a Reference, one chunk per read the worker makes (nothing is read ahead).
 * - isolate → host (a worker's response body, a fetch request body): `sendStream` parks the stream's reader under an
 *   id; the host pulls it with the bridge's `read(id)` (async apply, one chunk per call) until null, or `cancel(id)`.
 *   A host body the worker passes on untouched (`return fetch(…)`, `fetch(url, { body: request.body })`) goes back as
 *   its Reference instead: the host then reads its own body directly, and no chunk crosses at all.
 */
import { reportUncaught, rethrown } from './host.ts';
import type { HostBodyReference, HostBodyResult } from './hostWire.ts';
import { checkIo, currentIo, enterIo, resumeIn, type IoContext } from './ioContext.ts';
import { chunkBytes, isDisturbed, ReadableStream, type ReadableStreamDefaultReader } from './streams.ts';

export interface SentStream {
  /** Names a body whose failure nobody else sees: it is logged as uncaught (`Uncaught (in <where>)`). */
  where?: string;
  /** The reason the stream is cancelled with when the host gives up on it. */
  cancelReason: string;
}

/** Streams the host is pulling, by id, with the request they were sent for (pulling one runs the worker's code for it). */
const outgoing = new Map<number, SentStream & { reader: ReadableStreamDefaultReader<unknown>; io: IoContext | null }>();
let nextStreamId = 1;
/** Host bodies by their stream, while nobody has read from them (see `sendStream`); `token` unregisters from `unread`. */
const hostBodies = new WeakMap<ReadableStream, { ref: HostBodyReference; token: object }>();
/**
 * A host body left unread (`await fetch(url)` for the status alone) would hold its upstream connection for as long as
 * the worker lives: once its stream is garbage, the host body is cancelled.
 */
const unread = new FinalizationRegistry<HostBodyReference>((ref) => {
  ref.apply(undefined, ['cancel'], { result: { promise: true, copy: true } }).catch(() => {});
});

/** What goes into the wire data for a sent stream (WireResponse, WireFetchRequest): an id to pull, or a host body. */
export type SentBody = { stream: number } | { hostBody: HostBodyReference };

/** Hands `stream` to the host: a host body untouched by the worker as itself, anything else to pull by id. */
export function sendStream(stream: ReadableStream, sent: SentStream): SentBody {
  const hostBody = hostBodies.get(stream);
  if (hostBody && !stream.locked && !isDisturbed(stream)) {
    hostBodies.delete(stream);
    // The host reads it now. Spent here, as a sent stream is: locked, and never read in the isolate.
    unread.unregister(hostBody.token);
    stream.getReader();
    return { hostBody: hostBody.ref };
  }
  const id = nextStreamId++;
  outgoing.set(id, { ...sent, reader: stream.getReader(), io: currentIo() });
  return { stream: id };
}

/** The host pulls a sent stream: the next chunk as bytes, or null at its end (then the id is gone). */
export async function readSent(id: number): Promise<Uint8Array | null> {
  const entry = outgoing.get(id);
  if (!entry) return null;
  enterIo(entry.io);
  try {
    const { done, value } = await entry.reader.read();
    if (done) {
      outgoing.delete(id);
      return null;
    }
    return chunkBytes(value);
  } catch (err) {
    outgoing.delete(id);
    entry.reader.cancel(err).catch(() => {});
    if (entry.where) reportUncaught(err, entry.where);
    throw err;
  }
}

/** The host no longer wants a sent stream (the client went away, the outbound request ended): cancel it. */
export function cancelSent(id: number): void {
  const entry = outgoing.get(id);
  outgoing.delete(id);
  if (entry) enterIo(entry.io);
  entry?.reader.cancel(new Error(entry.cancelReason)).catch(() => {});
}

export interface HostBodyOptions {
  /** The body is over: read to its end, cancelled, or failed. */
  onEnd?(): void;
  /** What a host failure becomes in the isolate, instead of the host's error (e.g. the abort signal's reason). */
  failure?(): unknown;
}

/**
 * A host body as a byte stream: each read the worker makes is one `ref('read')` call. It is an I/O object of the request
 * it was made for: reading it from another request's handler fails as in workerd.
 */
export function hostBodyStream(ref: HostBodyReference, options: HostBodyOptions = {}): ReadableStream<Uint8Array> {
  const owner = currentIo();
  let ended = false;
  const token = {};
  const end = () => {
    if (ended) return;
    ended = true;
    unread.unregister(token);
    options.onEnd?.();
  };
  const call = async (op: 'read' | 'cancel'): Promise<HostBodyResult> => {
    const result = await resumeIn(ref.apply(undefined, [op], { result: { promise: true, copy: true } }));
    if (result !== null && typeof result === 'object' && 'error' in result) {
      end();
      throw options.failure?.() ?? rethrown(result.error);
    }
    return result;
  };
  const stream = new ReadableStream<Uint8Array>({
    type: 'bytes',
    async pull(controller: { enqueue(chunk: Uint8Array): void; close(): void }) {
      checkIo(owner);
      // An empty chunk would leave a pending read unanswered: ask again until there are bytes or the end.
      for (;;) {
        const chunk = (await call('read')) as Uint8Array | null;
        if (chunk === null) {
          end();
          return controller.close();
        }
        if (chunk.byteLength) return controller.enqueue(chunk);
      }
    },
    async cancel() {
      try {
        await call('cancel');
      } finally {
        end();
      }
    },
  } as never);
  hostBodies.set(stream, { ref, token });
  unread.register(stream, ref, token);
  return stream;
}
