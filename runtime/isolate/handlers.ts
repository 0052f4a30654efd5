/**
 * The worker's handlers and the objects they receive: module syntax (`export default { fetch, scheduled, queue }`,
 * called as `handler(payload, env, ctx)`) or service-worker syntax (`addEventListener('fetch' | 'scheduled', …)`,
 * bindings as globals). The bridge (bridge.ts) turns wire data into calls of `runFetch` / `runScheduled` / `runQueue`.
 */
import type { Request } from './request.ts';
import type { WireError, WireQueueEvent, WireQueueResult, WireScheduledEvent } from './wire.ts';
import { reportUncaught } from './host.ts';

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { message: `${err.name}: ${err.message}`, stack: err.stack ?? `${err.name}: ${err.message}` };
  return { message: `Uncaught ${String(err)}`, stack: `Uncaught ${String(err)}` };
}

/** `ctx`: what the worker may do beyond answering. Keeps its `waitUntil` promises so an event can wait for them. */
export class ExecutionContext {
  readonly props: Record<string, unknown> = {};
  readonly #waitUntil: Promise<unknown>[] = [];
  #unsettled = 0;
  #passThrough = false;

  waitUntil(promise: unknown): void {
    this.#unsettled++;
    this.#waitUntil.push(
      Promise.resolve(promise)
        .catch((err: unknown) => reportUncaught(err, 'waitUntil'))
        .finally(() => this.#unsettled--),
    );
  }
  /** How many promises were passed to waitUntil. */
  get _count(): number {
    return this.#waitUntil.length;
  }
  /** How many of them have not settled yet. */
  get _pending(): number {
    return this.#unsettled;
  }
  passThroughOnException(): void {
    this.#passThrough = true;
  }
  /** Whether the worker asked for the request to fail open to the origin (production) when it throws. */
  get _passThrough(): boolean {
    return this.#passThrough;
  }
  /** Settles when every `waitUntil` promise has (one registered meanwhile is waited for too). */
  async _settled(): Promise<void> {
    for (let done = 0; done < this.#waitUntil.length; done = this.#waitUntil.length) await Promise.all(this.#waitUntil.slice(done));
  }
}

export class FetchEvent {
  readonly type = 'fetch';
  readonly request: Request;
  readonly #ctx: ExecutionContext;
  _response: Promise<unknown> | undefined;
  constructor(request: Request, ctx: ExecutionContext) {
    this.request = request;
    this.#ctx = ctx;
  }
  respondWith(response: unknown): void {
    if (this._response) throw new TypeError('respondWith() was already called');
    this._response = Promise.resolve(response);
  }
  waitUntil(promise: unknown): void {
    this.#ctx.waitUntil(promise);
  }
  passThroughOnException(): void {
    this.#ctx.passThroughOnException();
  }
}

/** The module handler's first argument for a cron trigger. */
export class ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  _noRetry = false;
  constructor(event: WireScheduledEvent) {
    this.scheduledTime = event.scheduledTime;
    this.cron = event.cron;
  }
  noRetry(): void {
    this._noRetry = true;
  }
}

/** The service-worker form of a cron trigger. */
export class ScheduledEvent extends ScheduledController {
  readonly type = 'scheduled';
  readonly #ctx: ExecutionContext;
  constructor(event: WireScheduledEvent, ctx: ExecutionContext) {
    super(event);
    this.#ctx = ctx;
  }
  waitUntil(promise: unknown): void {
    this.#ctx.waitUntil(promise);
  }
}

/** What the queue consumer said about each message, kept whether or not the handler then throws. */
export class QueueVerdicts {
  ackAll = false;
  retryAll: { delaySeconds?: number } | undefined;
  readonly acks = new Set<string>();
  readonly retries = new Map<string, { delaySeconds?: number }>();

  toWire(): WireQueueResult {
    return {
      ackAll: this.ackAll,
      ...(this.retryAll ? { retryAll: this.retryAll } : {}),
      acks: [...this.acks],
      retries: [...this.retries].map(([id, options]) => ({ id, ...options })),
    };
  }
}

function retryOptions(options: unknown): { delaySeconds?: number } {
  const delay = (options as { delaySeconds?: unknown } | undefined)?.delaySeconds;
  return typeof delay === 'number' ? { delaySeconds: delay } : {};
}

export class Message {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: unknown;
  readonly attempts: number;
  readonly #verdicts: QueueVerdicts;
  constructor(message: WireQueueEvent['messages'][number], verdicts: QueueVerdicts) {
    this.id = message.id;
    this.timestamp = new Date(message.timestamp);
    this.body = message.body;
    this.attempts = message.attempts;
    this.#verdicts = verdicts;
  }
  ack(): void {
    this.#verdicts.retries.delete(this.id);
    this.#verdicts.acks.add(this.id);
  }
  retry(options?: unknown): void {
    this.#verdicts.acks.delete(this.id);
    this.#verdicts.retries.set(this.id, retryOptions(options));
  }
}

export class MessageBatch {
  readonly queue: string;
  readonly messages: readonly Message[];
  readonly #verdicts: QueueVerdicts;
  constructor(event: WireQueueEvent, verdicts: QueueVerdicts) {
    this.queue = event.queue;
    this.messages = Object.freeze(event.messages.map((message) => new Message(message, verdicts)));
    this.#verdicts = verdicts;
  }
  ackAll(): void {
    this.#verdicts.ackAll = true;
  }
  retryAll(options?: unknown): void {
    this.#verdicts.retryAll = retryOptions(options);
  }
}

type Handler = (payload: unknown, env: Record<string, unknown>, ctx: ExecutionContext) => unknown;
type Listener = (event: unknown) => void;

const listeners = { fetch: [] as Listener[], scheduled: [] as Listener[] };
let moduleHandlers: { target: object; fetch?: Handler; scheduled?: Handler; queue?: Handler } | undefined;
let env: Record<string, unknown> = {};

/** `addEventListener` for service-worker syntax: `fetch` and `scheduled` events (other types are ignored, as in workerd). */
export function addEventListener(type: string, listener: Listener): void {
  if (type === 'fetch' || type === 'scheduled') listeners[type].push(listener);
}

const NO_HANDLER = 'The worker has no fetch handler: export default { fetch(request, env, ctx) { … } } or addEventListener("fetch", …)';

/** Called once the worker module has evaluated, with its namespace and its bindings. */
export function installHandlers(exports: Record<string, unknown>, bindings: Record<string, unknown>): void {
  env = bindings;
  const entrypoint = exports.default;
  if (typeof entrypoint === 'function' && entrypoint.prototype && ['fetch', 'scheduled', 'queue'].some((name) => typeof entrypoint.prototype[name] === 'function')) {
    // `export default class extends WorkerEntrypoint { fetch(request) { … } }`: made for each event with (ctx, env).
    const Entrypoint = entrypoint as new (ctx: unknown, env: unknown) => Record<string, Handler | undefined>;
    const method = (name: 'fetch' | 'scheduled' | 'queue'): Handler | undefined =>
      typeof Entrypoint.prototype[name] === 'function'
        ? (payload, handlerEnv, ctx) => {
            const instance = new Entrypoint(ctx, handlerEnv);
            return (instance[name] as Handler).call(instance, payload, handlerEnv, ctx);
          }
        : undefined;
    moduleHandlers = { target: {} };
    for (const name of ['fetch', 'scheduled', 'queue'] as const) {
      const handler = method(name);
      if (handler) moduleHandlers[name] = handler;
    }
    return;
  }
  const main = exports.default as Record<string, unknown> | undefined;
  if (main && typeof main === 'object') {
    const pick = (name: string) => (typeof main[name] === 'function' ? (main[name] as Handler) : undefined);
    moduleHandlers = { target: main };
    for (const name of ['fetch', 'scheduled', 'queue'] as const) {
      const handler = pick(name);
      if (handler) moduleHandlers[name] = handler;
    }
    if (moduleHandlers.fetch || moduleHandlers.scheduled || moduleHandlers.queue) return;
  }
  if (listeners.fetch.length === 0 && listeners.scheduled.length === 0) throw new Error(NO_HANDLER);
  moduleHandlers = undefined;
  // Service-worker syntax sees its bindings as globals.
  Object.assign(globalThis, bindings);
}

/** Which events the worker handles (for the editor's trigger buttons). */
export function handledEvents(): string[] {
  if (moduleHandlers) return (['fetch', 'scheduled', 'queue'] as const).filter((name) => moduleHandlers?.[name]);
  return (['fetch', 'scheduled'] as const).filter((name) => listeners[name].length > 0);
}

/** Calls the service-worker listeners until one has answered (`answered` says so). */
function callListeners(type: 'fetch' | 'scheduled', event: object, answered: () => boolean): void {
  for (const listener of listeners[type]) {
    listener(event);
    if (answered()) break;
  }
}

/**
 * Runs the fetch handler; resolves to whatever it returned (the bridge checks it is a Response). `return await`, not
 * `return`: V8 counts the resolve job of a promise returned from an async function as a catcher, and a debugger set to
 * break on uncaught exceptions would then miss those the handler throws after its first await (settle.ts).
 */
export async function runFetch(request: Request, ctx: ExecutionContext): Promise<unknown> {
  if (moduleHandlers) {
    if (!moduleHandlers.fetch) throw new Error('Handler does not export a fetch() function.');
    return await moduleHandlers.fetch.call(moduleHandlers.target, request, env, ctx);
  }
  if (listeners.fetch.length === 0) throw new Error('No event listener registered for fetch events.');
  const event = new FetchEvent(request, ctx);
  callListeners('fetch', event, () => event._response !== undefined);
  if (!event._response) throw new Error('No fetch event listener called respondWith()');
  return await event._response;
}

/** Runs the scheduled handler; `noRetry` as the worker said. (Its `waitUntil` work is the caller's to wait for.) */
export async function runScheduled(event: WireScheduledEvent, ctx: ExecutionContext): Promise<{ noRetry: boolean }> {
  let controller: ScheduledController;
  if (moduleHandlers) {
    if (!moduleHandlers.scheduled) throw new Error('Handler does not export a scheduled() function.');
    controller = new ScheduledController(event);
    await moduleHandlers.scheduled.call(moduleHandlers.target, controller, env, ctx);
  } else {
    if (listeners.scheduled.length === 0) throw new Error('No event listener registered for scheduled events.');
    controller = new ScheduledEvent(event, ctx);
    callListeners('scheduled', controller, () => false);
  }
  return { noRetry: controller._noRetry };
}

/** Runs the queue handler on one batch; what the consumer decides for each message goes into `verdicts`. */
export async function runQueue(event: WireQueueEvent, ctx: ExecutionContext, verdicts: QueueVerdicts): Promise<void> {
  if (!moduleHandlers?.queue) throw new Error('Handler does not export a queue() function.');
  await moduleHandlers.queue.call(moduleHandlers.target, new MessageBatch(event, verdicts), env, ctx);
}
