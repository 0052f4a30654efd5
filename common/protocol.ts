/**
 * Every message between the extension (client/) and the runtime sidecar (runtime/), in one place.
 * Transport: JSON-RPC (vscode-jsonrpc) over the sidecar's stdin/stdout when it runs with `--rpc`;
 * the sidecar's human-readable log then goes to stderr.
 * Method names are prefixed by area: `runtime/…`.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** Sent once the worker is built and the HTTP server accepts requests. */
export interface ReadyParams {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Port of the Chrome DevTools Protocol relay, when started with `--inspect`. */
  inspectorPort?: number;
  /** Absolute path of the worker's entry file. */
  entry: string;
  /** Absolute path of the wrangler config, when there is one. */
  config?: string;
  /** The events the worker has handlers for (`fetch`, `scheduled`, `queue`): what Trigger can fire. */
  handlers: string[];
}
export const Ready = new NotificationType<ReadyParams>('runtime/ready');

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** A line for the user's log: the worker's console output and the sidecar's own messages. */
export interface LogParams {
  level: LogLevel;
  message: string;
  /** `file:line:column` of the console call in the user's source, when known. */
  location?: string;
}
export const Log = new NotificationType<LogParams>('runtime/log');

/** Where the sidecar is on its way to Ready: bundling the worker, then loading it (evaluating its top-level code). */
export interface StatusParams {
  state: 'bundling' | 'loading';
}
export const Status = new NotificationType<StatusParams>('runtime/status');

/** One finished request, as the runtime saw it: sent once its response is done and its `waitUntil` work has settled. */
export interface RequestRecord {
  /** Unique within the sidecar's life, in arrival order. */
  id: number;
  method: string;
  /** Path and query, as requested. */
  url: string;
  status: number;
  /** Epoch milliseconds of the request's arrival; the `…Ms` offsets below count from it. */
  startedAt: number;
  /** From arrival to the last byte of the response body. */
  wallMs: number;
  /** Time the worker's code ran for it (its isolate's CPU clock; waits on timers and I/O don't count). */
  cpuMs?: number;
  /** The instance that served it (1-based). */
  instance?: number;
  /**
   * `ok`: the worker answered. `exception`: its handler threw (the 500 page). `exceededCpu` / `exceededMemory`: a limit
   * stopped it (503). `canceled`: the client went away before the response was done.
   */
  outcome: 'ok' | 'exception' | 'exceededCpu' | 'exceededMemory' | 'canceled';
  /** The outbound fetches it made, in the order they started. */
  subrequests: SubrequestRecord[];
  /** What the worker logged while working for it (console.*, uncaught errors), mapped to the user's source. */
  logs: RequestLogRecord[];
  /** Its `waitUntil` work, when it registered any. */
  waitUntil?: WaitUntilRecord;
}

export interface SubrequestRecord {
  method: string;
  url: string;
  /** Absent when it failed before a response (see `error`). */
  status?: number;
  error?: string;
  /** When it started, after the request's arrival. */
  startMs: number;
  /** Until the response head arrived (or the failure). */
  headMs: number;
  /** Until its response body was read to the end, cancelled or dropped (absent: still open when the request ended). */
  endMs?: number;
}

export interface RequestLogRecord {
  level: LogLevel;
  message: string;
  location?: string;
  /** When it was logged, after the request's arrival. */
  atMs: number;
}

export interface WaitUntilRecord {
  /** How many promises were passed to waitUntil. */
  count: number;
  /** How many of them were still pending when the response was sent: work that runs after it. */
  pendingAfterResponse: number;
  /** When the last of them settled, after the request's arrival; absent if the instance went away first. */
  settledMs?: number;
}

/** An instance of the worker was evicted (it is recreated with fresh globals). */
export interface EvictedParams {
  instance: number;
  /** e.g. `requested`, `idle for 300 s`, `memory limit (128 MB)`, the CPU limit it went over. */
  reason: string;
}
export const Evicted = new NotificationType<EvictedParams>('runtime/evicted');

/** Evict one instance (1-based) or all of them; answers the instances evicted. */
export interface EvictParams {
  instance?: number;
}
export const Evict = new RequestType<EvictParams, { evicted: number[] }, void>('runtime/evict');

/** One instance of the worker as the editor's Workers view shows it. */
export interface InstanceStats {
  /** 1-based, as in RequestRecord.instance and Evicted. */
  instance: number;
  /** Events (requests, scheduled and queue) it has finished since it was (re)created. */
  served: number;
  /** CPU time those events used, in ms. */
  cpuMs: number;
  /** Events it is working on now. */
  inFlight: number;
  /** Epoch ms of its creation (its last eviction, reload or start). */
  createdAt: number;
  /** How many times this instance has been evicted since the sidecar started, and the last reason. */
  evictions: number;
  lastEviction?: string;
}
/** The worker's instances, and the heap of the isolate they share (instances are contexts of one isolate). */
export interface InstancesResult {
  instances: InstanceStats[];
  /** Absent while the isolate is being replaced after a limit. */
  heap?: { usedBytes: number; limitBytes: number };
}
/** Cheap: counters the pool keeps anyway, and one heap-statistics call. */
export const Instances = new RequestType0<InstancesResult, void>('runtime/instances');
export const RequestCompleted = new NotificationType<RequestRecord>('runtime/requestCompleted');

/** A build or load failure of the worker, located in the user's source. */
export interface BuildErrorParams {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}
export const BuildError = new NotificationType<BuildErrorParams>('runtime/buildError');

/** A request the editor asks the sidecar to send to the running worker. */
export interface SendRequestParams {
  method: string;
  /** Path and query, e.g. `/api?x=1`; resolved against the worker's URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** `base64`: `body` is the base64 of the bytes to send (a file); absent: `body` is text, sent as UTF-8. */
  bodyEncoding?: 'base64';
}
export interface SendRequestResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** The response body: text, or with `bodyEncoding: 'base64'` the base64 of its bytes (an image, anything not text). */
  body: string;
  bodyEncoding?: 'base64';
  /** The body's size in bytes (of what `body` holds, when truncated). */
  size?: number;
  wallMs: number;
  /** Set when the response body was longer than the sidecar returns (1 MiB): `body` is its beginning only. */
  truncated?: boolean;
  /** The id of this exchange's RequestRecord, which arrives later (runtime/requestCompleted, once waitUntil work is done). */
  recordId?: number;
}
export const SendRequest = new RequestType<SendRequestParams, SendRequestResult, void>('runtime/sendRequest');

/** Fire an event other than fetch at the worker: a cron trigger, or a batch of messages for its queue consumer. */
export type TriggerParams =
  | {
      event: 'scheduled';
      /** The cron pattern the worker sees as `controller.cron`; default "". */
      cron?: string;
      /** Epoch milliseconds; default now. */
      scheduledTime?: number;
    }
  | {
      event: 'queue';
      queue: string;
      /** Default id: a random UUID; timestamp: now; attempts: 1. */
      messages: { id?: string; body: unknown; timestamp?: number; attempts?: number }[];
    };
export interface TriggerResult {
  /** `ok` once the handler and its waitUntil work are done; `exception` when the handler threw. */
  outcome: 'ok' | 'exception';
  /** The exception, source-mapped. */
  error?: string;
  /** scheduled: the handler called `controller.noRetry()`. */
  noRetry?: boolean;
  /** queue: which messages are acknowledged and which go back to the queue (with their delay). */
  acked?: string[];
  retried?: { id: string; delaySeconds?: number }[];
  wallMs: number;
}
export const Trigger = new RequestType<TriggerParams, TriggerResult, void>('runtime/trigger');

/** Rebuild and reload the worker now (as a save does); answers once the new code serves or the attempt failed. */
export interface ReloadResult {
  /** false: the build or load failed (reported as BuildError too) and the previous code keeps serving. */
  reloaded: boolean;
  error?: string;
}
export const Reload = new RequestType0<ReloadResult, void>('runtime/reload');

/** Stop serving, release the isolates and exit. */
export const Stop = new RequestType0<void, void>('runtime/stop');

/*
 * Request panel (webview) <-> extension. postMessage carries these plain objects; both sides import the types only.
 */

/** A request as the panel composes it, kept in history and saved requests. `{{name}}` may appear in any text. */
export interface PanelRequest {
  method: string;
  /** Path and query, e.g. `/api?x={{id}}`. */
  path: string;
  /** The headers table; unticked rows are kept but not sent. */
  headers: PanelField[];
  body: PanelBody;
}
export interface PanelField {
  name: string;
  value: string;
  enabled: boolean;
}
export type PanelBody =
  | { kind: 'none' }
  | { kind: 'json' | 'text'; text: string }
  /** Sent as application/x-www-form-urlencoded. */
  | { kind: 'form'; fields: PanelField[] }
  /** A file's bytes, read when the request is sent. */
  | { kind: 'file'; path: string };

/** One request the panel sent or was shown, with its answer and, once it arrives, the runtime's record of it. */
export interface PanelExchange {
  /** Unique in the workspace's history. */
  id: string;
  /** Epoch ms when it was sent. */
  at: number;
  request: PanelRequest;
  result?: SendRequestResult;
  /** Why there is no result (no worker, an unknown variable, the request failed). */
  error?: string;
  record?: RequestRecord;
}

export interface SavedRequest {
  name: string;
  request: PanelRequest;
}

/** The worker the panel sends to. */
export interface PanelWorker {
  url: string;
  /** The worker's handlers (Ready's `handlers`): the panel offers a button for each event but fetch. */
  handlers: string[];
  /** The crons of the config's `[triggers]`, offered for the scheduled handler. */
  crons: string[];
}

/** Messages the request panel posts to the extension. */
export type PanelToExtension =
  | { type: 'ready' }
  | { type: 'send'; request: PanelRequest }
  | { type: 'copyCurl'; request: PanelRequest }
  | { type: 'pickFile' }
  | { type: 'save'; name: string; request: PanelRequest }
  | { type: 'deleteSaved'; name: string }
  | { type: 'selectEnvironment'; name: string | undefined }
  | { type: 'editEnvironments' }
  | { type: 'clearHistory' }
  | { type: 'trigger'; params: TriggerParams }
  /** `file:line:column` of a console line: open it in an editor. */
  | { type: 'openLocation'; location: string };

/** Messages the extension posts to the request panel. */
export type ExtensionToPanel =
  | { type: 'worker'; worker: PanelWorker | undefined }
  /**
   * Everything the panel lists: sent on `ready` and whenever saved requests or environments change. `history` only
   * on `ready` and when it is cleared (it can be large); absent: the panel's history stands.
   */
  | { type: 'state'; history?: PanelExchange[]; saved: SavedRequest[]; environments: string[]; environment: string | undefined }
  /** A new exchange (sent from the panel, or shown by workerStudio.showRequestInPanel): add it to history and show it. */
  | { type: 'exchange'; exchange: PanelExchange }
  /** The runtime's record of an exchange arrived: its timeline and console lines. */
  | { type: 'record'; exchangeId: string; record: RequestRecord }
  /** Put this request into the form (workerStudio.showRequestInPanel). */
  | { type: 'load'; request: PanelRequest }
  | { type: 'filePicked'; path: string }
  | { type: 'triggered'; event: TriggerParams['event']; result?: TriggerResult; error?: string }
  /** A short message for the user (copied as cURL, saved, a failure). */
  | { type: 'notice'; level: 'info' | 'error'; message: string };
