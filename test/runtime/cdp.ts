// A minimal Chrome DevTools Protocol client over `ws`, for the inspector tests. It keeps a log of the recent traffic
// (both ways, with times): every timeout it reports (an unanswered request, an event that never came) carries it, and
// a test can print it on failure (`traffic()`).
import { WebSocket } from 'ws';
import { startDev, type DevProcess } from './helpers.ts';

interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
}

/** How many messages the traffic log keeps, and how much of each. */
const LOG_MESSAGES = 60;
const LOG_CHARS = 240;
/** How long a request may go unanswered before `send` fails (instead of hanging the test until its own timeout). */
const SEND_TIMEOUT_MS = 15_000;

export class CdpClient {
  readonly #ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { method: string; resolve(value: unknown): void; reject(err: Error): void }>();
  readonly events: CdpEvent[] = [];
  readonly #waiters = new Set<{ match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }>();
  readonly #log: string[] = [];
  readonly #start = Date.now();
  #closeInfo: string | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const text = String(data);
      this.#record('←', text);
      const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown> };
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
    ws.on('close', (code, reason) => {
      this.#closeInfo = `closed (${code}${reason.length ? ` ${String(reason)}` : ''})`;
      this.#record('×', this.#closeInfo);
      for (const [id, pending] of this.#pending) pending.reject(new Error(`the socket ${this.#closeInfo} with ${pending.method} (id ${id}) unanswered`));
      this.#pending.clear();
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

  #record(direction: string, text: string): void {
    const at = ((Date.now() - this.#start) / 1000).toFixed(3).padStart(8);
    this.#log.push(`${at}s ${direction} ${text.length > LOG_CHARS ? `${text.slice(0, LOG_CHARS)}… (${text.length} chars)` : text}`);
    if (this.#log.length > LOG_MESSAGES) this.#log.shift();
  }

  /** The last messages both ways (→ sent, ← received), oldest first, and what is still unanswered. */
  traffic(): string {
    const pending = [...this.#pending].map(([id, { method }]) => `${method} (id ${id})`);
    return [
      `last ${this.#log.length} CDP messages (time since connect):`,
      ...this.#log.map((line) => `  ${line}`),
      `unanswered: ${pending.length ? pending.join(', ') : 'none'}; socket ${this.#closeInfo ?? (this.open ? 'open' : 'not open')}`,
    ].join('\n');
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, timeoutMs = SEND_TIMEOUT_MS): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#pending.delete(id)) return;
        reject(new Error(`no answer to ${method} (id ${id}) within ${timeoutMs} ms\n${this.traffic()}`));
      }, timeoutMs);
      const settle = () => clearTimeout(timer);
      this.#pending.set(id, {
        method,
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      const text = JSON.stringify({ id, method, params });
      this.#record('→', text);
      this.#ws.send(text);
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
        reject(new Error(`no ${method} event within ${timeoutMs} ms\n${this.traffic()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Closes the socket; one the other end does not close in time (a stuck sidecar) is cut. */
  close(timeoutMs = 2000): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#ws.terminate(), timeoutMs);
      this.#ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.close();
    });
  }
}

/** The WebSocket URL of `dev --inspect…`'s debugger, from its `Debugger listening on ws://…` line. */
export async function debuggerUrl(dev: DevProcess): Promise<string> {
  return (await dev.waitFor('stderr', /^Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)$/m))[1] as string;
}

/** Starts `dev …args --port 0 --inspect=0` (args: the worker first) and a client on its debugger, Runtime and Debugger enabled. */
export async function startWithInspector(args: string[]): Promise<{ dev: DevProcess; cdp: CdpClient }> {
  const dev = await startDev([...args, '--port', '0', '--inspect=0']);
  const cdp = await CdpClient.connect(await debuggerUrl(dev));
  await cdp.send('Runtime.enable');
  await cdp.send('Debugger.enable');
  return { dev, cdp };
}
