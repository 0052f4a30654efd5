/**
 * setTimeout/setInterval/clearTimeout/clearInterval, `scheduler.wait` and `performance`. The host owns the clock:
 * each timer is a node timer on the host (so disposing the worker clears them all), which calls back into the
 * isolate's `fireTimer(id)` asynchronously.
 *
 * What setTimeout returns follows workerd at recent compatibility dates (measured: a number up to 2026-07-01,
 * a Node-style `Timeout` object by 2026-10-01): a `Timeout` whose `Symbol.toPrimitive` is the positive integer id,
 * so `clearTimeout(+id)` and numeric comparisons keep working.
 */
import { host, reportUncaught } from './host.ts';
import { currentIo, enterIo, type IoContext } from './ioContext.ts';

interface Timer {
  callback: (...args: unknown[]) => unknown;
  args: unknown[];
  repeat: boolean;
  /** The request that set it: its callback runs working for that request. */
  io: IoContext | null;
}

const timers = new Map<number, Timer>();
let nextId = 1;
const MAX_DELAY = 2 ** 31 - 1;

function delay(ms: unknown): number {
  const n = Number(ms);
  if (!Number.isFinite(n) || n < 0) return 0;
  return Math.min(Math.trunc(n), MAX_DELAY);
}

const TOKEN = Symbol('Timeout');

/** workerd's (and Node's) timer handle. */
export class Timeout {
  readonly #id: number;
  readonly #ms: number;
  constructor(token: symbol, id: number, ms: number) {
    if (token !== TOKEN) throw new TypeError('Illegal constructor');
    this.#id = id;
    this.#ms = ms;
  }
  [Symbol.toPrimitive](): number {
    return this.#id;
  }
  /** Restarts the timer's delay from now (if it is still pending). */
  refresh(): this {
    if (timers.has(this.#id)) host().timerSet.applyIgnored(undefined, [this.#id, this.#ms, Date.now() + this.#ms]);
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  close(): this {
    clear(this.#id);
    return this;
  }
}

/** Same limit as the host's (runtime/src/hostServices.ts MAX_TIMERS). */
const MAX_TIMERS = 10_000;

function schedule(callback: unknown, ms: unknown, args: unknown[], repeat: boolean): Timeout {
  if (typeof callback !== 'function') {
    // The HTML spec compiles strings; workers (no eval of strings) refuse them.
    throw new TypeError(`The "callback" argument must be of type function. Received ${callback === null ? 'null' : typeof callback}`);
  }
  // The host keeps one timer per live one: a runaway loop of setTimeout must not exhaust the host's memory.
  if (timers.size >= MAX_TIMERS) throw new RangeError(`Too many live timers: a worker may have at most ${MAX_TIMERS} (clear the ones it no longer needs)`);
  const id = nextId++;
  const wait = delay(ms);
  timers.set(id, { callback: callback as Timer['callback'], args, repeat, io: currentIo() });
  host().timerSet.applyIgnored(undefined, [id, wait, Date.now() + wait]);
  return new Timeout(TOKEN, id, wait);
}

function clear(id: unknown): void {
  if (id === null || id === undefined) return;
  const n = Number(id);
  if (!timers.delete(n)) return;
  host().timerClear.applyIgnored(undefined, [n]);
}

export function setTimeout(callback: unknown, ms?: unknown, ...args: unknown[]): Timeout {
  return schedule(callback, ms, args, false);
}
export function setInterval(callback: unknown, ms?: unknown, ...args: unknown[]): Timeout {
  return schedule(callback, ms, args, true);
}
export function clearTimeout(id?: unknown): void {
  clear(id);
}
export function clearInterval(id?: unknown): void {
  clear(id);
}

/**
 * Called by the host when timer `id` is due. Returns whether the host should schedule it again (a live interval):
 * the host re-arms after each call, so a paused isolate never accumulates queued ticks.
 */
export function fireTimer(id: number): boolean {
  const timer = timers.get(id);
  if (!timer) return false;
  if (!timer.repeat) timers.delete(id);
  enterIo(timer.io);
  try {
    const result = timer.callback.apply(globalThis, timer.args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (err: unknown) => reportUncaught(err, 'promise from a timer callback'));
    }
  } catch (err) {
    reportUncaught(err, 'timer callback');
  }
  return timer.repeat && timers.has(id);
}

/** workerd's `scheduler`: `wait(ms, { signal })`. */
export const scheduler = {
  wait(ms: number, options?: { signal?: AbortSignalLike }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) return reject(signal.reason);
      const id = setTimeout(() => {
        signal?.removeEventListener?.('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(id);
        reject(signal?.reason);
      };
      signal?.addEventListener?.('abort', onAbort);
    });
  },
};

/** The AbortSignal surface used here (slice B provides the class; only duck typing is relied on). */
export interface AbortSignalLike {
  aborted: boolean;
  reason?: unknown;
  addEventListener?(type: 'abort', listener: () => void, options?: object): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/** workerd's: `timeOrigin` is 0, so `performance.now()` reads the same clock as `Date.now()`. */
const timeOrigin = 0;

/** `performance.now()` / `timeOrigin`, as workerd has them. */
export const performance = {
  timeOrigin,
  now(): number {
    return Date.now() - timeOrigin;
  },
  toJSON(): { timeOrigin: number } {
    return { timeOrigin };
  },
};
