/**
 * `--rpc`: the extension's control channel, JSON-RPC (common/protocol.ts) over this process's stdin/stdout.
 * While it is open nothing else may write to stdout. When stdin closes (the extension is gone) `onClosed` runs,
 * so the sidecar never outlives its owner.
 */
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildError,
  Evict,
  Evicted,
  Log,
  Ready,
  Reload,
  RequestCompleted,
  SendRequest,
  Status,
  Stop,
  Trigger,
  type BuildErrorParams,
  type EvictedParams,
  type EvictParams,
  type LogParams,
  type ReadyParams,
  type ReloadResult,
  type RequestRecord,
  type SendRequestParams,
  type SendRequestResult,
  type StatusParams,
  type TriggerParams,
  type TriggerResult,
} from '../../common/protocol.ts';

export interface ControlHandlers {
  sendRequest(params: SendRequestParams): Promise<SendRequestResult>;
  trigger(params: TriggerParams): Promise<TriggerResult>;
  evict(params: EvictParams): Promise<{ evicted: number[] }>;
  reload(): Promise<ReloadResult>;
  /** Called after the Stop answer has been written: close everything and exit. */
  stop(): void;
  onClosed(): void;
}

export class ControlChannel {
  readonly #connection: MessageConnection;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.#connection = createMessageConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  }

  /** Installs the request handlers and starts listening. */
  listen(handlers: ControlHandlers): void {
    this.#connection.onRequest(SendRequest, (params) => handlers.sendRequest(params));
    this.#connection.onRequest(Trigger, (params) => handlers.trigger(params));
    this.#connection.onRequest(Evict, (params) => handlers.evict(params));
    this.#connection.onRequest(Reload, () => handlers.reload());
    this.#connection.onRequest(Stop, () => {
      // Answer first; the process exits on the next turn, after the response is written.
      setImmediate(() => handlers.stop());
    });
    this.#connection.onClose(() => handlers.onClosed());
    this.#connection.listen();
  }

  status(params: StatusParams): Promise<void> {
    return this.#connection.sendNotification(Status, params);
  }

  ready(params: ReadyParams): Promise<void> {
    return this.#connection.sendNotification(Ready, params);
  }
  log(params: LogParams): Promise<void> {
    return this.#connection.sendNotification(Log, params);
  }
  requestCompleted(record: RequestRecord): Promise<void> {
    return this.#connection.sendNotification(RequestCompleted, record);
  }
  evicted(params: EvictedParams): Promise<void> {
    return this.#connection.sendNotification(Evicted, params);
  }
  buildError(params: BuildErrorParams): Promise<void> {
    return this.#connection.sendNotification(BuildError, params);
  }
}

/** How long a SendRequest may take, response body included. */
const SEND_TIMEOUT_MS = 30_000;
/** The most of a response body SendRequest returns; the rest is dropped and the result marked `truncated`. */
export const SEND_BODY_LIMIT = 1024 * 1024;

/** Performs a request against the worker's own server, the way the request panel's SendRequest wants it reported. */
export async function sendToWorker(baseUrl: string, params: SendRequestParams): Promise<SendRequestResult> {
  const start = performance.now();
  const method = params.method.toUpperCase();
  // `//host/x` or `http://elsewhere/` would resolve off the worker: the panel sends requests to the worker only.
  const origin = new URL(baseUrl).origin;
  let url: URL;
  try {
    url = new URL(params.path, baseUrl);
  } catch {
    throw new Error(`the request path must stay on the worker: ${JSON.stringify(params.path)} is not a valid path`);
  }
  if (url.origin !== origin) {
    throw new Error(`the request path must stay on the worker: ${JSON.stringify(params.path)} resolves to ${url.origin}, not ${origin}`);
  }
  const init: RequestInit = { method, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) };
  if (params.headers) init.headers = params.headers;
  if (params.body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = params.body;
  const response = await fetch(url, init);
  const { body, truncated } = await readCapped(response, SEND_BODY_LIMIT);
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body,
    wallMs: Math.round((performance.now() - start) * 10) / 10,
    ...(truncated ? { truncated } : {}),
  };
}

/** The body as UTF-8 text, at most `limit` bytes of it (never a split character); cancels the rest. */
async function readCapped(response: Response, limit: number): Promise<{ body: string; truncated: boolean }> {
  if (!response.body) return { body: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let body = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: body + decoder.decode(), truncated: false };
    if (size + value.byteLength > limit) {
      // No final flush: a character cut at the limit is dropped rather than turned into U+FFFD.
      body += decoder.decode(value.subarray(0, limit - size), { stream: true });
      await reader.cancel().catch(() => {});
      return { body, truncated: true };
    }
    size += value.byteLength;
    body += decoder.decode(value, { stream: true });
  }
}
