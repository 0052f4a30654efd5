/**
 * Outbound `fetch` through the host: the isolate builds a Request (the prelude's global class), hands
 * method/url/headers/body bytes to the host, which performs it with Node's fetch (undici) and returns status,
 * headers, url, redirected and the body bytes. `init.signal` aborting cancels the host request (keyed by id).
 * Seam for streaming (slice C): request bodies are read to bytes here and response bodies arrive as bytes.
 */
import { domException, host, rethrown } from './host.ts';
import type { WireFetchRequest } from './hostWire.ts';
import type { AbortSignalLike } from './timers.ts';

interface RequestLike {
  url: string;
  method: string;
  headers: Iterable<[string, string]>;
  redirect?: string;
  signal?: AbortSignalLike | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}
type RequestCtor = new (input: unknown, init?: unknown) => RequestLike;
type ResponseCtor = new (body: Uint8Array | null, init: { status: number; statusText: string; headers: [string, string][] }) => object;

const NULL_BODY_STATUSES = [101, 204, 205, 304];
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
  const method = request.method;
  // Seam: a streamed body would be forwarded chunk by chunk here instead of read to bytes.
  const bytes = method === 'GET' || method === 'HEAD' ? null : new Uint8Array(await request.arrayBuffer());
  const wire: WireFetchRequest = { method, url: request.url, headers: [...request.headers], body: bytes && bytes.byteLength ? bytes : null, redirect };
  const id = nextId++;
  const services = host();
  const pending = services.fetch.apply(undefined, [id, wire], { arguments: { copy: true }, result: { promise: true, copy: true } });
  let onAbort: (() => void) | undefined;
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => {
          services.fetchAbort.applyIgnored(undefined, [id]);
          reject(abortReason(signal));
        };
        signal.addEventListener?.('abort', onAbort, { once: true });
      })
    : undefined;
  try {
    const result = await (aborted ? Promise.race([pending, aborted]) : pending);
    if (!result.ok) throw rethrown(result.error);
    const { response: wireResponse } = result;
    const nullBody = NULL_BODY_STATUSES.includes(wireResponse.status) || method === 'HEAD';
    const response = new g.Response(nullBody ? null : wireResponse.body, { status: wireResponse.status, statusText: wireResponse.statusText, headers: wireResponse.headers });
    Object.defineProperty(response, 'url', { value: wireResponse.url, configurable: true });
    Object.defineProperty(response, 'redirected', { value: wireResponse.redirected, configurable: true });
    return response;
  } finally {
    if (onAbort) signal?.removeEventListener?.('abort', onAbort);
    // A rejection of the losing `aborted` promise is expected and handled by nobody: silence it.
    aborted?.catch(() => {});
  }
}
