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
  Instances,
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
  type InstancesResult,
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
import { EXCHANGE_HEADER, type ExchangeLinks } from './exchangeLinks.ts';

export interface ControlHandlers {
  sendRequest(params: SendRequestParams): Promise<SendRequestResult>;
  trigger(params: TriggerParams): Promise<TriggerResult>;
  evict(params: EvictParams): Promise<{ evicted: number[] }>;
  instances(): Promise<InstancesResult>;
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
    this.#connection.onRequest(Instances, () => handlers.instances());
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

/**
 * Performs a request against the worker's own server, the way the request panel's SendRequest wants it reported.
 * With `links`, the request carries an exchange token so the result names its RequestRecord (exchangeLinks.ts).
 */
export async function sendToWorker(baseUrl: string, params: SendRequestParams, links?: ExchangeLinks): Promise<SendRequestResult> {
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
  const headers = new Headers(params.headers);
  const token = links?.issue();
  if (token) headers.set(EXCHANGE_HEADER, token);
  const init: RequestInit = { method, headers, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) };
  if (params.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    init.body = params.bodyEncoding === 'base64' ? Buffer.from(params.body, 'base64') : params.body;
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (token) links?.finish(token);
    throw err;
  }
  // Known once the response head is: the server assigns the record id before it writes the response.
  const recordId = token ? links?.finish(token) : undefined;
  const { bytes, truncated } = await readCapped(response, SEND_BODY_LIMIT);
  const text = asText(bytes, response.headers.get('content-type'), truncated);
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    ...(text !== undefined ? { body: text } : { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' as const }),
    size: bytes.byteLength,
    wallMs: Math.round((performance.now() - start) * 10) / 10,
    ...(truncated ? { truncated } : {}),
    ...(recordId !== undefined ? { recordId } : {}),
  };
}

/** Media types whose bodies are text whatever their bytes. */
const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql)\b|[\w.-]+\/[\w.-]+\+(json|xml)\b|image\/svg\+xml)/i;
/** Media types whose bodies are bytes whatever they look like. */
const BINARY_TYPE = /^(image|audio|video|font)\/|^application\/(octet-stream|pdf|zip|gzip|wasm|x-protobuf|protobuf)\b/i;

/**
 * The body as text when it is text: a textual content type, or no telling one and valid UTF-8. Otherwise undefined
 * (the caller sends base64). A body cut at the limit may end inside a character: that character is dropped.
 */
function asText(bytes: Uint8Array, contentType: string | null, truncated: boolean): string | undefined {
  if (contentType && BINARY_TYPE.test(contentType)) return undefined;
  if (contentType && TEXT_TYPE.test(contentType)) return new TextDecoder().decode(bytes, { stream: truncated });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    return undefined;
  }
}

/** The body's bytes, at most `limit` of them; cancels the rest. */
async function readCapped(response: Response, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    size += value.byteLength;
    chunks.push(value);
  }
}
