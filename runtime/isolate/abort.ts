/** AbortController and AbortSignal (DOM Standard), incl. AbortSignal.abort/timeout/any and throwIfAborted. */
import { DOMException } from './domException.ts';
import { Event, EventTarget } from './events.ts';

let constructing = false;
const dependents = new WeakMap<AbortSignal, Set<WeakRef<AbortSignal>>>();

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  #onabort: ((event: Event) => unknown) | null = null;
  #algorithms = new Set<() => void>();

  constructor() {
    if (!constructing) throw new TypeError('Illegal constructor');
    super();
  }

  static _create(): AbortSignal {
    constructing = true;
    try {
      return new AbortSignal();
    } finally {
      constructing = false;
    }
  }

  static abort(reason?: unknown): AbortSignal {
    const signal = AbortSignal._create();
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('The operation was aborted', 'AbortError') : reason;
    return signal;
  }

  static timeout(milliseconds: number): AbortSignal {
    const ms = Math.max(0, Number(milliseconds) || 0);
    const signal = AbortSignal._create();
    // Timers belong to another module (and may be installed after this one): look setTimeout up at use time.
    const setTimeout = (globalThis as { setTimeout?: (fn: () => void, ms: number) => unknown }).setTimeout;
    if (typeof setTimeout !== 'function') throw new TypeError('AbortSignal.timeout needs setTimeout, which is not available');
    setTimeout(() => AbortSignal._signalAbort(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
    return signal;
  }

  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const list = [...signals];
    for (const s of list) if (!(s instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': parameter 1 is not of type 'AbortSignal'.");
    const result = AbortSignal._create();
    const aborted = list.find((s) => s.#aborted);
    if (aborted) {
      result.#aborted = true;
      result.#reason = aborted.#reason;
      return result;
    }
    for (const source of list) {
      const set = dependents.get(source) ?? new Set();
      set.add(new WeakRef(result));
      dependents.set(source, set);
    }
    return result;
  }

  /** Internal: signal abort (also used by AbortController and by other platform parts, e.g. fetch). */
  static _signalAbort(signal: AbortSignal, reason: unknown): void {
    if (signal.#aborted) return;
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('The operation was aborted', 'AbortError') : reason;
    const toNotify: AbortSignal[] = [];
    for (const ref of dependents.get(signal) ?? []) {
      const dep = ref.deref();
      if (dep && !dep.#aborted) {
        dep.#aborted = true;
        dep.#reason = signal.#reason;
        toNotify.push(dep);
      }
    }
    dependents.delete(signal);
    signal.#runAbortSteps();
    for (const dep of toNotify) dep.#runAbortSteps();
  }

  /** Internal: an abort algorithm (runs before the abort event); returns a function that removes it. */
  static _addAlgorithm(signal: AbortSignal, algorithm: () => void): () => void {
    signal.#algorithms.add(algorithm);
    return () => signal.#algorithms.delete(algorithm);
  }

  #runAbortSteps(): void {
    for (const algorithm of this.#algorithms) algorithm();
    this.#algorithms.clear();
    EventTarget._dispatch(this, new Event('abort'), true);
  }

  get aborted(): boolean {
    return this.#aborted;
  }
  get reason(): unknown {
    return this.#reason;
  }
  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }
  get onabort(): ((event: Event) => unknown) | null {
    return this.#onabort;
  }
  set onabort(handler: ((event: Event) => unknown) | null) {
    if (this.#onabort) this.removeEventListener('abort', this.#onabort);
    this.#onabort = typeof handler === 'function' ? handler : null;
    if (this.#onabort) this.addEventListener('abort', this.#onabort);
  }
  override get [Symbol.toStringTag](): string {
    return 'AbortSignal';
  }
}

export class AbortController {
  readonly #signal = AbortSignal._create();
  get signal(): AbortSignal {
    return this.#signal;
  }
  abort(reason?: unknown): void {
    AbortSignal._signalAbort(this.#signal, reason);
  }
  get [Symbol.toStringTag](): string {
    return 'AbortController';
  }
}
