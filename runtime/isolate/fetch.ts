/**
 * Outbound `fetch` through the host: the isolate builds a Request (the prelude's global class) and hands method, url,
 * headers and body to the host, which performs it with Node's fetch (undici). Bodies stream both ways (bodyStreams.ts):
 * a stream request body is pulled by the host chunk by chunk as undici sends it (known bytes go as bytes; a host body
 * passed on untouched, like the incoming request's, stays on the host), and the promise settles as soon as the
 * response head arrives, with a body the worker pulls from the host as it reads.
 * `init.signal` aborting cancels the host request (keyed by id), before the head or while the body is read.
 */
import { hostBodyStream, sendStream } from './bodyStreams.ts';
import type { WireBody } from './body.ts';
import { domException, host, rethrown } from './host.ts';
import { currentIo, resumeIn } from './ioContext.ts';
import type { WireFetchRequest } from './hostWire.ts';
import type { ReadableStream } from './streams.ts';
import type { AbortSignalLike } from './timers.ts';

interface RequestLike {
  url: string;
  method: string;
  headers: Iterable<[string, string]>;
  redirect?: string;
  signal?: AbortSignalLike | null;
  _wireBody(): WireBody;
}
type RequestCtor = new (input: unknown, init?: unknown) => RequestLike;
type ResponseCtor = new (body: ReadableStream<Uint8Array> | null, init: { status: number; statusText: string; headers: [string, string][] }) => object;

let nextId = 1;

function abortReason(signal: AbortSignalLike): unknown {
  return signal.reason ?? domException('The operation was aborted.', 'AbortError');
}

export async function fetch(input: unknown, init?: Record<string, unknown>): Promise<unknown> {
  const g = globalThis as unknown as { Request: RequestCtor; Response: ResponseCtor };
  const request = new g.Request(input, init);
  const signal = (init?.signal ?? request.signal ?? null) as AbortSignalLike | null;
  if (signal?.aborted) throw abortReason(signal);
  const redirect = request.redirect ?? 'follow';
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') throw new TypeError(`Invalid redirect value: ${redirect}`);
  const services = host();
  const body = request._wireBody();
  const wire: WireFetchRequest = { method: request.method, url: request.url, headers: [...request.headers], body: body.kind === 'bytes' && body.bytes.byteLength ? body.bytes : null, redirect };
  if (body.kind === 'stream') Object.assign(wire, sendStream(body.stream, { cancelReason: 'The outbound request ended' }));
  const id = nextId++;
  // The host records it as a subrequest of the request it is made for.
  const io = currentIo();
  if (io) wire.io = io.id;
  const pending = resumeIn(services.fetch.apply(undefined, [id, wire], { arguments: { copy: true }, result: { promise: true, copy: true } }));
  // One abort listener for the whole exchange: before the head it rejects this call, after it the body fails.
  let onAbort: (() => void) | undefined;
  const done = () => {
    if (onAbort) signal?.removeEventListener?.('abort', onAbort);
    onAbort = undefined;
  };
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => {
          services.fetchAbort.applyIgnored(undefined, [id]);
          reject(abortReason(signal));
        };
        signal.addEventListener?.('abort', onAbort, { once: true });
      })
    : undefined;
  // After the head, nobody awaits `aborted`: its rejection is expected.
  aborted?.catch(() => {});
  let result: Awaited<typeof pending>;
  try {
    result = await (aborted ? Promise.race([pending, aborted]) : pending);
  } catch (err) {
    done();
    throw err;
  }
  if (!result.ok) {
    done();
    throw rethrown(result.error);
  }
  const { body: bodyRef, url, redirected, ...head } = result.response;
  if (!bodyRef) done();
  // The host answers HEAD and null-body statuses without a body.
  const stream = bodyRef ? hostBodyStream(bodyRef, { onEnd: done, failure: () => (signal?.aborted ? abortReason(signal) : undefined) }) : null;
  const response = new g.Response(stream, head);
  Object.defineProperty(response, 'url', { value: url, configurable: true });
  Object.defineProperty(response, 'redirected', { value: redirected, configurable: true });
  return response;
}
