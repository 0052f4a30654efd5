/**
 * Links a SendRequest to the RequestRecord of the exchange it caused. The control channel's request reaches the worker
 * over real HTTP, so it carries a one-time token in a header; the server takes the header off (the worker never sees
 * it) when the token is one it issued, and notes the record id the exchange gets. A token nobody issued is left alone:
 * it is just a header some client sent.
 */
import { randomUUID } from 'node:crypto';
import type { WireRequest } from '../isolate/wire.ts';

export const EXCHANGE_HEADER = 'x-worker-studio-exchange';

export class ExchangeLinks {
  /** Issued tokens, and the record id once the exchange has one. */
  readonly #tokens = new Map<string, number | undefined>();
  readonly #byRequest = new WeakMap<WireRequest, string>();

  /** A token for a request about to be sent; call `finish` with it once its response has arrived. */
  issue(): string {
    const token = randomUUID();
    this.#tokens.set(token, undefined);
    return token;
  }

  /** Takes an issued token's header off an arriving request and remembers the request as that exchange. */
  claim(request: WireRequest): void {
    const index = request.headers.findIndex(([name, value]) => name.toLowerCase() === EXCHANGE_HEADER && this.#tokens.has(value));
    if (index < 0) return;
    this.#byRequest.set(request, request.headers[index]![1]);
    request.headers.splice(index, 1);
  }

  /** The server gave `request` its record id. */
  recorded(request: WireRequest, id: number): void {
    const token = this.#byRequest.get(request);
    if (token !== undefined && this.#tokens.has(token)) this.#tokens.set(token, id);
  }

  /** The record id of the exchange `token` caused, if it got that far; forgets the token. */
  finish(token: string): number | undefined {
    const id = this.#tokens.get(token);
    this.#tokens.delete(token);
    return id;
  }
}
