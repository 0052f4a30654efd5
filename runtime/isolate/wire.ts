/**
 * The plain data that crosses the host ↔ isolate boundary (always as copies, never as live objects).
 * Pure types: imported by the host (runtime/src) and by the prelude.
 */

export type WireHeaders = [string, string][];

export interface WireRequest {
  method: string;
  url: string;
  headers: WireHeaders;
  body: Uint8Array | null;
}

export interface WireResponse {
  status: number;
  statusText: string;
  /** In order; `set-cookie` appears once per cookie. */
  headers: WireHeaders;
  body: Uint8Array | null;
}

export interface WireError {
  message: string;
  stack: string;
}

export type DispatchResult = { ok: true; response: WireResponse } | { ok: false; error: WireError };

export type WireLogLevel = 'debug' | 'info' | 'log' | 'warn' | 'error';

/** Name of the global the prelude leaves for the host to pick up (and delete) after it has run. */
export const BRIDGE_GLOBAL = '__workerStudioBridge';
