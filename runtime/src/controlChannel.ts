/**
 * `--rpc`: the extension's control channel, JSON-RPC (common/protocol.ts) over this process's stdin/stdout.
 * While it is open nothing else may write to stdout. When stdin closes (the extension is gone) `onClosed` runs,
 * so the sidecar never outlives its owner.
 */
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildError,
  Log,
  Ready,
  RequestCompleted,
  SendRequest,
  Stop,
  type BuildErrorParams,
  type LogParams,
  type ReadyParams,
  type RequestRecord,
  type SendRequestParams,
  type SendRequestResult,
} from '../../common/protocol.ts';

export interface ControlHandlers {
  sendRequest(params: SendRequestParams): Promise<SendRequestResult>;
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
    this.#connection.onRequest(Stop, () => {
      // Answer first; the process exits on the next turn, after the response is written.
      setImmediate(() => handlers.stop());
    });
    this.#connection.onClose(() => handlers.onClosed());
    this.#connection.listen();
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
  buildError(params: BuildErrorParams): Promise<void> {
    return this.#connection.sendNotification(BuildError, params);
  }
}

/** Performs a request against the worker's own server, the way the request panel's SendRequest wants it reported. */
export async function sendToWorker(baseUrl: string, params: SendRequestParams): Promise<SendRequestResult> {
  const start = performance.now();
  const method = params.method.toUpperCase();
  const init: RequestInit = { method, redirect: 'manual' };
  if (params.headers) init.headers = params.headers;
  if (params.body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = params.body;
  const response = await fetch(new URL(params.path, baseUrl), init);
  const body = await response.text();
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body,
    wallMs: Math.round((performance.now() - start) * 10) / 10,
  };
}
