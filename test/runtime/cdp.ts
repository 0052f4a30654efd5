// A minimal Chrome DevTools Protocol client over `ws`, for the inspector tests.
import { WebSocket } from 'ws';

interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
}

export class CdpClient {
  readonly #ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  readonly events: CdpEvent[] = [];
  readonly #waiters = new Set<{ match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown> };
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(message.error.message));
        else pending?.resolve(message.result);
      } else if (message.method) {
        const event = { method: message.method, params: message.params ?? {} };
        this.events.push(event);
        for (const waiter of this.#waiters) if (waiter.match(event)) waiter.resolve(event);
      }
    });
  }

  static async connect(url: string): Promise<CdpClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CdpClient(ws);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Whether the socket is still open. */
  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /**
   * The first event (already received or still to come) named `method` that satisfies `predicate`; `since`: only
   * events from that index of `events` on (`cdp.events.length` taken earlier: events after that moment).
   */
  waitFor(method: string, predicate: (params: Record<string, unknown>) => boolean = () => true, timeoutMs = 15_000, since = 0): Promise<CdpEvent> {
    const match = (e: CdpEvent) => e.method === method && predicate(e.params);
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: CdpEvent) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${method} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ws.once('close', () => resolve());
      this.#ws.close();
    });
  }
}
