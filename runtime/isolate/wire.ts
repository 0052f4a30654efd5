/**
 * The plain data that crosses the host ↔ isolate boundary (always as copies, never as live objects).
 * Pure types: imported by the host (runtime/src) and by the prelude.
 */

import type { HostBodyReference } from './hostWire.ts';

export type WireHeaders = [string, string][];

/** Pulls a body chunk by chunk: the next chunk, or null at the end. Host side only (never copied across). */
export interface BodyReader {
  read(): Promise<Uint8Array | null>;
  cancel(reason?: string): Promise<void>;
}

export interface WireRequest {
  method: string;
  url: string;
  headers: WireHeaders;
  /** Known bytes, or null when there is no body or when `reader` streams it. */
  body: Uint8Array | null;
  /** Host side only: a streamed body (the isolate pulls it through a Reference, lazily). */
  reader?: BodyReader;
}

export interface WireResponse {
  status: number;
  statusText: string;
  /** In order; `set-cookie` appears once per cookie. */
  headers: WireHeaders;
  /** Known bytes (sent with a Content-Length), or null (no body, or a stream: see `stream` / `reader`). */
  body: Uint8Array | null;
  /** Isolate → host: the id of a body stream the host pulls with the bridge's `read(id)` until it returns null. */
  stream?: number;
  /** Isolate → host: a host body (a fetch response's) the worker returned untouched; the host reads it itself. */
  hostBody?: HostBodyReference;
  /** Host side only: the reader for `stream` or `hostBody`. */
  reader?: BodyReader;
  /** Host side only: called once the response is done (its body sent, or the client gone). */
  onEnd?(end: ExchangeEnd): void;
}

/** How an HTTP exchange ended, as the server saw it. */
export interface ExchangeEnd {
  status: number;
  /** From arrival to the last byte of the response body. */
  wallMs: number;
  /** The client went away before the response was done. */
  canceled: boolean;
}

export interface WireError {
  message: string;
  stack: string;
}

export type DispatchResult =
  | { ok: true; response: WireResponse }
  /** `passThrough`: the worker called passThroughOnException() before it threw (production fails open to the origin). */
  | { ok: false; error: WireError; passThrough?: boolean };

/** A cron trigger, as the scheduled handler sees it. */
export interface WireScheduledEvent {
  type: 'scheduled';
  cron: string;
  /** Epoch milliseconds. */
  scheduledTime: number;
}

/** One batch of queue messages for the consumer (`queue` handler). */
export interface WireQueueEvent {
  type: 'queue';
  queue: string;
  messages: { id: string; timestamp: number; body: unknown; attempts: number }[];
}

export type WireEvent = WireScheduledEvent | WireQueueEvent;

/** What a queue consumer decided: explicit acks and retries by message id, and the batch-wide calls. */
export interface WireQueueResult {
  ackAll: boolean;
  retryAll?: { delaySeconds?: number };
  acks: string[];
  retries: { id: string; delaySeconds?: number }[];
}

/** How an event other than fetch ended: `ok` once the handler and its waitUntil work are done. */
export interface EventResult {
  outcome: 'ok' | 'exception';
  error?: WireError;
  /** scheduled: the worker called noRetry(). */
  noRetry?: boolean;
  queue?: WireQueueResult;
}

export type WireLogLevel = 'debug' | 'info' | 'log' | 'warn' | 'error';

/** Statuses whose responses never have a body (Fetch): the isolate's Response refuses one, the host's fetch drops it. */
export const NULL_BODY_STATUSES: readonly number[] = [101, 204, 205, 304];

/** Name of the global the prelude leaves for the host to pick up (and delete) after it has run. */
export const BRIDGE_GLOBAL = '__workerStudioBridge';
