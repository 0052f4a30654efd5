/**
 * The worker's HTTP front door: a node:http server on 127.0.0.1 that turns each request into a WireRequest,
 * hands it to `handle`, and writes the WireResponse back byte for byte.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BodyReader, WireRequest, WireResponse } from '../isolate/wire.ts';

export const HOST = '127.0.0.1';

export interface HttpServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  /** Answers a request; the response's `onEnd` hears how the exchange ended. */
  handle(request: WireRequest): Promise<WireResponse>;
  /** A failure outside the worker's own code (the isolate died, …); answered with 500. */
  onInternalError(err: unknown): void;
}

/** The 500 the runtime answers with when the worker throws: message and stack, as text. */
export function errorResponse(text: string): WireResponse {
  return { status: 500, statusText: 'Internal Server Error', headers: [['content-type', 'text/plain; charset=utf-8']], body: new TextEncoder().encode(text) };
}

/**
 * The request body as a reader the isolate pulls lazily, one chunk per read. None (the worker sees `body === null`)
 * for GET/HEAD and for any request that announces no body (neither Content-Length nor Transfer-Encoding), as workerd does.
 */
function bodyReader(req: http.IncomingMessage): BodyReader | undefined {
  const announcesBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (req.method === 'GET' || req.method === 'HEAD' || !announcesBody) {
    req.resume();
    return undefined;
  }
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    read: async () => {
      const next = await chunks.next();
      // A copy of exactly the chunk: node's buffers may be views into a larger pooled one.
      return next.done ? null : new Uint8Array(next.value);
    },
    cancel: async () => {
      req.resume();
    },
  };
}

function toWireRequest(req: http.IncomingMessage, reader: BodyReader | undefined, port: number): WireRequest {
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] as string, utf8OfLatin1(req.rawHeaders[i + 1] as string)]);
  // Like workerd: the URL's host is the request's Host header.
  const host = req.headers.host ?? `${HOST}:${port}`;
  return { method: req.method ?? 'GET', url: `http://${host}${req.url ?? '/'}`, headers, body: null, ...(reader ? { reader } : {}) };
}

/** A received header value as workerd reads it: node decodes the bytes as latin-1, workerd as UTF-8 (U+FFFD for bad bytes). */
function utf8OfLatin1(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

/**
 * A header value as the string node should write: node sends header strings as latin-1, but workerd sends a value's
 * UTF-8 bytes, so a value with non-ASCII characters becomes the latin-1 string of its UTF-8 bytes.
 */
function latin1OfUtf8(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/**
 * Writes the head, then the body: known bytes in one go, or a streamed body pulled chunk by chunk with backpressure.
 * Resolves false when the client went away first.
 */
async function writeResponse(res: http.ServerResponse, response: WireResponse): Promise<boolean> {
  const raw: string[] = [];
  let hasLength = false;
  for (const [name, value] of response.headers) {
    if (name === 'content-length') hasLength = true;
    // Hop-by-hop framing is node's job: a worker's transfer-encoding would corrupt the framing.
    if (name === 'transfer-encoding' || name === 'connection') continue;
    raw.push(name, latin1OfUtf8(value));
  }
  const reader = response.reader;
  const body = response.body ?? new Uint8Array(0);
  // A fixed-length body gets a Content-Length, as workerd sends it, not chunked encoding; a stream goes chunked.
  if (!hasLength && response.body !== null && !reader) raw.push('content-length', String(body.byteLength));
  // An explicit empty statusText is sent empty, as workerd does (the Response already filled in the default).
  res.writeHead(response.status, response.statusText, raw);
  if (!reader) {
    res.end(body);
    return true;
  }
  if (res.req.method === 'HEAD') {
    // No body goes out for HEAD: don't make the worker produce one.
    res.end();
    await reader.cancel();
    return true;
  }
  // The head goes out now, before the first chunk exists (server-sent events, long polls). Not flushHeaders(): that
  // writes the head as UTF-8, and the values are latin-1 strings of UTF-8 bytes (see latin1OfUtf8).
  res.write(new Uint8Array(0));
  let closed = false;
  const onClose = () => {
    closed = true;
  };
  res.once('close', onClose);
  try {
    for (;;) {
      if (closed) {
        await reader.cancel();
        return false;
      }
      const chunk = await reader.read();
      if (chunk === null) break;
      if (closed) {
        await reader.cancel();
        return false;
      }
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
    return true;
  } catch {
    // The worker's stream failed after the head went out: the only signal left is an aborted response.
    res.destroy();
    return true;
  } finally {
    res.off('close', onClose);
  }
}

export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  let actualPort = options.port;
  const server = http.createServer(async (req, res) => {
    const start = performance.now();
    let response: WireResponse | undefined;
    let completed = false;
    try {
      response = await options.handle(toWireRequest(req, bodyReader(req), actualPort));
      completed = await writeResponse(res, response);
      // Whatever of the request body the worker left unread is drained, so the connection can be reused.
      if (!req.readableEnded) req.resume();
    } catch (err) {
      options.onInternalError(err);
      if (!res.headersSent) void writeResponse(res, errorResponse(err instanceof Error ? (err.stack ?? err.message) : String(err)));
      else res.destroy();
    }
    response?.onEnd?.({ status: response.status, wallMs: Math.round((performance.now() - start) * 10) / 10, canceled: !completed });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => {
      server.off('error', reject);
      actualPort = (server.address() as AddressInfo).port;
      resolve({
        port: actualPort,
        url: `http://${HOST}:${actualPort}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
