/**
 * The worker's HTTP front door: a node:http server on 127.0.0.1 that turns each request into a WireRequest,
 * hands it to `handle`, and writes the WireResponse back byte for byte.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '../../common/protocol.ts';
import type { WireRequest, WireResponse } from '../isolate/wire.ts';

export const HOST = '127.0.0.1';

export interface HttpServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  handle(request: WireRequest): Promise<WireResponse>;
  onCompleted(record: RequestRecord): void;
  /** A failure outside the worker's own code (the isolate died, …); answered with 500. */
  onInternalError(err: unknown): void;
}

/** The 500 the runtime answers with when the worker throws: message and stack, as text. */
export function errorResponse(text: string): WireResponse {
  return { status: 500, statusText: 'Internal Server Error', headers: [['content-type', 'text/plain; charset=utf-8']], body: new TextEncoder().encode(text) };
}

function readBody(req: http.IncomingMessage): Promise<Uint8Array | null> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function toWireRequest(req: http.IncomingMessage, body: Uint8Array | null, port: number): WireRequest {
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
  // Like workerd: the URL's host is the request's Host header.
  const host = req.headers.host ?? `${HOST}:${port}`;
  return { method: req.method ?? 'GET', url: `http://${host}${req.url ?? '/'}`, headers, body };
}

function writeResponse(res: http.ServerResponse, response: WireResponse): void {
  const raw: string[] = [];
  let hasLength = false;
  for (const [name, value] of response.headers) {
    if (name === 'content-length') hasLength = true;
    // Hop-by-hop framing is node's job: a worker's transfer-encoding would corrupt the framing.
    if (name === 'transfer-encoding' || name === 'connection') continue;
    raw.push(name, value);
  }
  const body = response.body ?? new Uint8Array(0);
  // A fixed-length body gets a Content-Length, as workerd sends it, not chunked encoding.
  if (!hasLength && response.body !== null) raw.push('content-length', String(body.byteLength));
  res.writeHead(response.status, response.statusText || http.STATUS_CODES[response.status] || '', raw);
  res.end(body);
}

export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  let actualPort = options.port;
  const server = http.createServer(async (req, res) => {
    const start = performance.now();
    let status = 500;
    try {
      const body = await readBody(req);
      const response = await options.handle(toWireRequest(req, body, actualPort));
      status = response.status;
      writeResponse(res, response);
    } catch (err) {
      options.onInternalError(err);
      if (!res.headersSent) writeResponse(res, errorResponse(err instanceof Error ? (err.stack ?? err.message) : String(err)));
      else res.destroy();
    }
    options.onCompleted({ method: req.method ?? 'GET', url: req.url ?? '/', status, wallMs: Math.round((performance.now() - start) * 10) / 10 });
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
