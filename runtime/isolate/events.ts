/**
 * Event and EventTarget after the DOM Standard, for a global scope without a tree: no capture/bubble path, so
 * dispatch runs the target's own listeners (AT_TARGET). Listener options: capture, once, passive, signal.
 */
import { DOMException } from './domException.ts';
import { reportError } from './report.ts';

export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** Event.timeStamp reads performance.now() (slice D's timers.ts), looked up at use time. */
function clock(): number {
  const performance = (globalThis as { performance?: { now?: () => number } }).performance;
  return typeof performance?.now === 'function' ? performance.now() : 0;
}

const PHASES = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 } as const;

export class Event {
  readonly #type: string;
  readonly #bubbles: boolean;
  readonly #cancelable: boolean;
  readonly #composed: boolean;
  readonly #timeStamp: number;
  #defaultPrevented = false;
  #preventCalled = false; // workerd: dispatchEvent() returns false once preventDefault() ran, even if not cancelable
  #inPassiveListener = false;
  #stopPropagation = false;
  #stopImmediate = false;
  #target: EventTarget | null = null;
  #currentTarget: EventTarget | null = null;
  #phase = 0;
  #dispatching = false;
  #isTrusted = false;

  constructor(type: string, init: EventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': constructor parameter 1 is not of type 'string'.");
    this.#type = String(type);
    this.#bubbles = Boolean(init?.bubbles);
    this.#cancelable = Boolean(init?.cancelable);
    this.#composed = Boolean(init?.composed);
    this.#timeStamp = clock();
  }
  get type(): string {
    return this.#type;
  }
  get bubbles(): boolean {
    return this.#bubbles;
  }
  get cancelable(): boolean {
    return this.#cancelable;
  }
  get composed(): boolean {
    return this.#composed;
  }
  get timeStamp(): number {
    return this.#timeStamp;
  }
  get isTrusted(): boolean {
    return this.#isTrusted;
  }
  get defaultPrevented(): boolean {
    return this.#defaultPrevented;
  }
  get returnValue(): boolean {
    return !this.#defaultPrevented;
  }
  set returnValue(value: boolean) {
    if (!value) this.preventDefault();
  }
  get cancelBubble(): boolean {
    return this.#stopPropagation;
  }
  set cancelBubble(value: boolean) {
    if (value) this.#stopPropagation = true;
  }
  get target(): EventTarget | null {
    return this.#target;
  }
  get srcElement(): EventTarget | null {
    return this.#target;
  }
  get currentTarget(): EventTarget | null {
    return this.#currentTarget;
  }
  get eventPhase(): number {
    return this.#phase;
  }
  composedPath(): EventTarget[] {
    return this.#dispatching && this.#currentTarget ? [this.#currentTarget] : [];
  }
  preventDefault(): void {
    this.#preventCalled = true;
    if (this.#cancelable && !this.#inPassiveListener) this.#defaultPrevented = true;
  }
  stopPropagation(): void {
    this.#stopPropagation = true;
  }
  stopImmediatePropagation(): void {
    this.#stopPropagation = true;
    this.#stopImmediate = true;
  }
  get [Symbol.toStringTag](): string {
    return 'Event';
  }

  /** Internal: dispatch bookkeeping for EventTarget. */
  static _begin(event: Event, target: EventTarget, trusted: boolean): void {
    if (event.#dispatching) throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
    event.#dispatching = true;
    event.#isTrusted = trusted;
    event.#target = target;
    event.#currentTarget = target;
    event.#phase = PHASES.AT_TARGET;
  }
  static _end(event: Event): void {
    // workerd leaves currentTarget set after dispatch (the DOM Standard clears it).
    event.#dispatching = false;
    event.#phase = PHASES.NONE;
    event.#stopPropagation = false;
    event.#stopImmediate = false;
  }
  static _canceled(event: Event): boolean {
    return event.#defaultPrevented || event.#preventCalled;
  }
  static _stopped(event: Event): boolean {
    return event.#stopImmediate;
  }
  static _passive(event: Event, passive: boolean): void {
    event.#inPassiveListener = passive;
  }
}
for (const [key, value] of Object.entries(PHASES)) {
  const descriptor = { value, writable: false, enumerable: true, configurable: false };
  Object.defineProperty(Event, key, descriptor);
  Object.defineProperty(Event.prototype, key, descriptor);
}

export interface CustomEventInit extends EventInit {
  detail?: unknown;
}

/** CustomEvent: an Event carrying `detail` (null unless given). */
export class CustomEvent extends Event {
  readonly #detail: unknown;
  constructor(type: string, init: CustomEventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CustomEvent': constructor parameter 1 is not of type 'string'.");
    super(type, init);
    this.#detail = init?.detail ?? null;
  }
  get detail(): unknown {
    return this.#detail;
  }
  override get [Symbol.toStringTag](): string {
    return 'CustomEvent';
  }
}

export type EventListener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

export interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: { aborted: boolean; addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void };
}

interface Entry {
  listener: EventListener;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
}

function flatten(options: boolean | AddEventListenerOptions | undefined): AddEventListenerOptions {
  if (typeof options === 'boolean') return { capture: options };
  return options ?? {};
}

export class EventTarget {
  #listeners = new Map<string, Entry[]>();

  addEventListener(type: string, listener: EventListener | null, options?: boolean | AddEventListenerOptions): void {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    if (listener === null || listener === undefined) return;
    if (typeof listener !== 'function' && typeof listener !== 'object') throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'EventListener'.");
    // workerd has no capture phase (nor default actions to make passive), and rejects those options rather than ignore them.
    if (options === true) throw new TypeError('addEventListener(): useCapture must be false.');
    const opts = flatten(options);
    if (opts.capture) throw new TypeError('addEventListener(): options.capture must be false.');
    if (opts.passive) throw new TypeError('addEventListener(): options.passive must be false.');
    const signal = opts.signal;
    if (signal?.aborted) return;
    const name = String(type);
    const capture = Boolean(opts.capture);
    const list = this.#listeners.get(name) ?? [];
    if (list.some((e) => e.listener === listener && e.capture === capture)) return;
    const entry: Entry = { listener, capture, once: Boolean(opts.once), passive: Boolean(opts.passive), removed: false };
    list.push(entry);
    this.#listeners.set(name, list);
    signal?.addEventListener('abort', () => this.removeEventListener(name, listener, { capture }), { once: true });
  }

  removeEventListener(type: string, listener: EventListener | null, options?: boolean | { capture?: boolean }): void {
    const list = this.#listeners.get(String(type));
    if (!list || listener === null || listener === undefined) return;
    const capture = Boolean(flatten(options).capture);
    const index = list.findIndex((e) => e.listener === listener && e.capture === capture);
    if (index < 0) return;
    (list[index] as Entry).removed = true;
    list.splice(index, 1);
  }

  dispatchEvent(event: Event): boolean {
    if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    return EventTarget._dispatch(this, event, false);
  }

  /** Internal: dispatch, with `isTrusted` set for events the platform fires (abort, timeout). */
  static _dispatch(target: EventTarget, event: Event, trusted: boolean): boolean {
    Event._begin(event, target, trusted);
    try {
      const list = target.#listeners.get(event.type);
      if (list) {
        // Listeners added during dispatch don't run; removed ones don't either.
        for (const entry of [...list]) {
          if (entry.removed) continue;
          if (entry.once) target.removeEventListener(event.type, entry.listener, { capture: entry.capture });
          Event._passive(event, entry.passive);
          try {
            const listener = entry.listener;
            if (typeof listener === 'function') listener.call(target, event);
            else if (typeof listener.handleEvent === 'function') listener.handleEvent(event);
            else throw new TypeError("'handleEvent' property of event listener should be a function.");
          } catch (err) {
            reportError(err);
          }
          Event._passive(event, false);
          if (Event._stopped(event)) break;
        }
      }
    } finally {
      Event._end(event);
    }
    return !Event._canceled(event);
  }

  get [Symbol.toStringTag](): string {
    return 'EventTarget';
  }
}
