/**
 * A worker as production runs it: several instances, each with its own global scope, and no affinity — two requests
 * in a row never go to the same instance when there is another. Instances are contexts in one isolate (so a debugger's
 * session and its breakpoints cover all of them, and re-bind by URL when an instance is recreated). Instances are
 * evicted on demand, after an idle time and when the isolate hits a limit; every eviction is reported with its reason.
 *
 * Limits: memory per isolate (isolated-vm disposes the isolate at `memoryLimitMb`) and CPU time per request (a
 * watchdog samples the isolate's CPU clock while requests run and disposes the isolate when one goes over). Either
 * way the request fails with WorkerLimitError, every instance is recreated in a fresh isolate, and the next request
 * is served normally.
 */
import type { ObjectEventResult, WireObjectEvent } from '../isolate/objects.ts';
import type { WireRpcCall } from '../isolate/entrypoints.ts';
import ivm from 'isolated-vm';
import type { InstancesResult, InstanceStats } from '../../common/protocol.ts';
import type { DispatchResult, EventResult, WireEvent, WireRequest } from '../isolate/wire.ts';
import { CpuMeter, type CpuJob } from './cpuMeter.ts';
import type { RequestTrace } from './requestTrace.ts';
import { WorkerDiedError, WorkerIsolate, type WorkerIsolateOptions } from './workerIsolate.ts';

/** What each instance is made of (the code, env and callbacks); the pool supplies the isolate. */
export type InstanceOptions = Omit<WorkerIsolateOptions, 'isolate' | 'whyDied' | 'onIsolate' | 'memoryLimitMb'>;

export interface WorkerPoolOptions {
  /** Each instance's code, env and callbacks (live reload replaces code, url and env). */
  instance: InstanceOptions;
  instances: number;
  cpuLimitMs: number;
  memoryLimitMb: number;
  /** An instance unused for this long is evicted (recreated on its next request); 0: never. */
  idleEvictMs: number;
  /** An instance was evicted (1-based number) and why. */
  onEvicted(instance: number, reason: string): void;
  /** As WorkerIsolateOptions.onIsolate: disposes the isolate being loaded (shutting down mid-load). */
  onIsolate?(dispose: () => void): void;
}

/** What WorkerPool.watchIsolate reports. */
export type IsolateEvent = 'closing' | 'replaced';

/** A request failed because the worker went over a limit (503, as production answers it). */
export class WorkerLimitError extends Error {
  /** Which limit stopped the worker. */
  readonly limit: 'cpu' | 'memory';
  constructor(message: string, limit: 'cpu' | 'memory') {
    super(message);
    this.name = 'WorkerLimitError';
    this.limit = limit;
  }
}

/** Which instance served a request, and its CPU time once the response (its body included) is done. */
export interface Served {
  instance: number;
  /** Ends the request's CPU accounting; its CPU time in ms. */
  finish(): number;
}

interface Slot {
  worker: WorkerIsolate;
  lastUsed: number;
  inFlight: number;
  /** Whether it has run anything since it was created (an unused instance is not evicted for idleness). */
  used: boolean;
  /** Set once the slot has a replacement: the old instance is disposed when its last request ends. */
  retired?: boolean;
  /** Events finished and the CPU they used since this instance was created (the Workers view shows them). */
  served: number;
  cpuMs: number;
  createdAt: number;
}

function newSlot(worker: WorkerIsolate): Slot {
  const now = Date.now();
  return { worker, lastUsed: now, inFlight: 0, used: false, served: 0, cpuMs: 0, createdAt: now };
}

/** How often the CPU watchdog samples while requests run (the limit is enforced within about this much). */
const WATCHDOG_MS = 10;
/** How long the pool waits for inspector sessions to close before it disposes its isolate anyway. */
const CLOSING_WAIT_MS = 2000;

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  #isolate!: ivm.Isolate;
  #meter!: CpuMeter;
  #slots: Slot[] = [];
  #last = -1;
  /**
   * Why the pool disposed an isolate itself (a CPU limit), by isolate; none means isolated-vm did (memory). Kept per
   * isolate: a request on a killed isolate can fail after the pool has started over on a new one.
   */
  readonly #killReasons = new WeakMap<ivm.Isolate, string>();
  /** Settles when the isolate and instances are usable again after a limit. */
  #restarting: Promise<void> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  #disposed = false;
  handles: string[] = [];
  /** Inspector relays watching the isolate (watchIsolate). */
  readonly #watchers = new Set<(event: IsolateEvent) => Promise<unknown> | undefined>();
  /** Contexts created in the current isolate; each instance's number among them (liveContexts). */
  #contexts = 0;
  readonly #contextNumbers = new WeakMap<WorkerIsolate, number>();
  /**
   * The objects context: where the worker's Durable Objects live (runtime/isolate/objects.ts), one more context of the
   * isolate that serves no requests. Made on the first object event; dropped with the code it runs (reload) or its
   * isolate (a limit), so objects are made again from the current code, with their storage kept.
   */
  #objects: Promise<WorkerIsolate> | undefined;
  /** Evictions by instance index over the pool's life (a slot's replacement starts its own counters). */
  readonly #evictions: { count: number; last?: string }[] = [];

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Loads the worker into `instances` instances; a WorkerLoadError when its module fails. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    await pool.#start();
    if (options.idleEvictMs > 0) {
      pool.#idleTimer = setInterval(() => pool.#evictIdle(), Math.max(1000, options.idleEvictMs / 4));
      pool.#idleTimer.unref();
    }
    return pool;
  }

  get url(): string {
    return this.#options.instance.url;
  }

  /** A new isolate with every instance in it. */
  async #start(): Promise<void> {
    const isolate = new ivm.Isolate({ memoryLimit: this.#options.memoryLimitMb, inspector: this.#options.instance.inspector });
    this.#options.onIsolate?.(() => {
      if (!isolate.isDisposed) isolate.dispose();
    });
    this.#isolate = isolate;
    this.#contexts = 0;
    this.#notify('replaced');
    this.#meter = new CpuMeter(() => (isolate.isDisposed ? 0n : isolate.cpuTime));
    try {
      const slots: Slot[] = [];
      for (let i = 0; i < this.#options.instances; i++) slots.push(newSlot(await this.#instance()));
      this.#slots = slots;
      this.handles = slots[0]?.worker.handles ?? [];
    } catch (err) {
      for (const slot of this.#slots) slot.worker.dispose();
      if (!isolate.isDisposed) {
        // Inspector sessions first, a loop turn, then the isolate (see #kill).
        await this.#notify('closing');
        await new Promise((resolve) => setImmediate(resolve));
        if (!isolate.isDisposed) isolate.dispose();
      }
      throw err;
    }
  }

  async #instance(): Promise<WorkerIsolate> {
    // Counted when WorkerIsolate.create makes its context (synchronously, before its first await): creation order.
    const number = ++this.#contexts;
    const isolate = this.#isolate;
    const worker = await WorkerIsolate.create({
      ...this.#options.instance,
      isolate,
      whyDied: () => this.#killReasons.get(isolate) ?? `The worker ran out of memory (limit ${this.#options.memoryLimitMb} MB)`,
    });
    this.#contextNumbers.set(worker, number);
    return worker;
  }

  /** Why the isolate is gone: the CPU limit the pool enforced, or else isolated-vm's memory limit. */
  get #deathReason(): string {
    return this.#killReasons.get(this.#isolate) ?? `memory limit (${this.#options.memoryLimitMb} MB)`;
  }

  /** No affinity: any instance but the one that served last. */
  #pick(): number {
    const count = this.#slots.length;
    if (count <= 1) return 0;
    const pick = Math.floor(Math.random() * (count - 1));
    this.#last = pick >= this.#last && this.#last >= 0 ? pick + 1 : pick;
    return this.#last;
  }

  async #ready(): Promise<void> {
    if (this.#restarting) await this.#restarting;
    if (this.#isolate.isDisposed && !this.#disposed) await this.#restart();
  }

  /** Runs a request on an instance; the response may still stream: call `served.finish()` once it has. */
  async dispatch(request: WireRequest, trace?: RequestTrace): Promise<{ result: DispatchResult; served: Served }> {
    await this.#ready();
    const index = this.#pick();
    const slot = this.#slots[index] as Slot;
    const job = this.#begin(slot);
    let finished: number | undefined;
    const finish = () => (finished ??= this.#end(slot, job));
    let result: DispatchResult;
    try {
      result = await slot.worker.dispatch(request, trace);
    } catch (err) {
      finish();
      throw this.#failure(err, slot);
    }
    const served: Served = { instance: index + 1, finish };
    const reader = result.ok ? result.response.reader : undefined;
    if (!result.ok || !reader) {
      finish();
      return { result, served };
    }
    // CPU spent producing a streamed body is the request's too; a limit hit meanwhile fails the body.
    result.response.reader = {
      read: async () => {
        try {
          const chunk = await reader.read();
          if (chunk === null) finish();
          return chunk;
        } catch (err) {
          finish();
          throw this.#failure(err, slot);
        }
      },
      cancel: async (reason) => {
        finish();
        await reader.cancel(reason);
      },
    };
    return { result, served };
  }

  /** Runs a scheduled or queue event on an instance (under the same CPU limit as a request). */
  async trigger(event: WireEvent): Promise<EventResult> {
    await this.#ready();
    const slot = this.#slots[this.#pick()] as Slot;
    const job = this.#begin(slot);
    try {
      return await slot.worker.trigger(event);
    } catch (err) {
      throw this.#failure(err, slot);
    } finally {
      this.#end(slot, job);
    }
  }

  #begin(slot: Slot): CpuJob {
    slot.inFlight++;
    slot.used = true;
    slot.lastUsed = Date.now();
    const job = this.#meter.start();
    this.#watch();
    return job;
  }

  #end(slot: Slot, job: CpuJob): number {
    slot.inFlight--;
    slot.lastUsed = Date.now();
    const ms = this.#meter.end(job);
    slot.served++;
    slot.cpuMs += ms;
    if (slot.retired && slot.inFlight === 0) slot.worker.dispose();
    if (this.#meter.active.size === 0 && this.#watchdog) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
    return ms;
  }

  /**
   * While requests run: sample the CPU clock; a request over the limit (in CPU really spent: see CpuMeter) ends the
   * isolate. Not while a debugger holds the isolate paused: a request that went over just before (its figure stands
   * still meanwhile) is stopped once resumed.
   */
  #watch(): void {
    if (this.#watchdog || this.#options.cpuLimitMs <= 0) return;
    this.#watchdog = setInterval(() => {
      this.#meter.sample();
      if (this.#meter.paused) return;
      for (const job of this.#meter.active) {
        const ms = job.cpuNs / 1e6;
        if (ms <= this.#options.cpuLimitMs || this.#isolate.isDisposed || this.#killReasons.has(this.#isolate)) continue;
        this.#kill(`The request used more CPU time than the limit of ${this.#options.cpuLimitMs} ms (${Math.round(ms)} ms when it was stopped)`);
      }
    }, WATCHDOG_MS);
    this.#watchdog.unref();
  }

  /** A failure of an instance: when the isolate is gone it was a limit (503); the pool then starts over. */
  #failure(err: unknown, slot: Slot): unknown {
    if (!(err instanceof WorkerDiedError)) return err;
    const limit = this.#killReasons.has(slot.worker.isolate) ? 'cpu' : 'memory';
    void this.#restart();
    return new WorkerLimitError(err.message, limit);
  }

  /**
   * Every instance is recreated in a new isolate, once the current one is gone; each eviction is reported. (A late
   * failure of an instance of an isolate already replaced must not restart the healthy one.) An old instance with
   * requests in flight is disposed once they have failed (with why its isolate died), as on an eviction.
   */
  #restart(): Promise<void> {
    if (this.#restarting || this.#disposed || !this.#isolate.isDisposed) return this.#restarting ?? Promise.resolve();
    const reason = this.#deathReason;
    const old = this.#slots;
    for (const slot of old) {
      slot.retired = true;
      if (slot.inFlight === 0) slot.worker.dispose();
    }
    old.forEach((_, i) => this.#evicted(i, reason));
    this.#slots = [];
    this.#dropObjects();
    this.#restarting = this.#start().finally(() => (this.#restarting = undefined));
    return this.#restarting;
  }

  /** Runs an event of a Durable Object in the objects context; failures come back as data (never rejects). */
  async objectEvent(event: WireObjectEvent): Promise<ObjectEventResult> {
    try {
      await this.#ready();
      return await (await (this.#objects ??= this.#objectsInstance())).objectEvent(event);
    } catch (err) {
      return this.#failedCall(err);
    }
  }

  /** The instance Durable Objects run in, made on first use; forgotten again if it fails to start. */
  #objectsInstance(): Promise<WorkerIsolate> {
    const objects = this.#instance();
    objects.catch(() => {
      if (this.#objects === objects) this.#objects = undefined;
    });
    return objects;
  }

  /** Runs an RPC call of a service binding on one of the instances (no affinity, as a request); never rejects. */
  async rpc(call: WireRpcCall): Promise<ObjectEventResult> {
    try {
      await this.#ready();
      const slot = this.#slots[this.#pick()] as Slot;
      const job = this.#begin(slot);
      try {
        return await slot.worker.rpc(call);
      } finally {
        this.#end(slot, job);
      }
    } catch (err) {
      return this.#failedCall(err);
    }
  }

  /** An object event or RPC call that failed: as data for the caller; an isolate gone under it starts over. */
  #failedCall(err: unknown): ObjectEventResult {
    if (this.#isolate.isDisposed) void this.#restart();
    const error = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: error.name, message: error.message } };
  }

  #dropObjects(): void {
    const objects = this.#objects;
    this.#objects = undefined;
    objects?.then((worker) => worker.dispose(), () => {});
  }

  /** Evicts one instance (1-based) or all: each gets a fresh context; requests in flight finish on the old one. */
  async evict(instance: number | 'all', reason: string): Promise<number[]> {
    await this.#ready();
    const indexes = instance === 'all' ? this.#slots.map((_, i) => i) : [instance - 1];
    if (indexes.some((i) => i < 0 || i >= this.#slots.length)) throw new RangeError(`there is no instance ${instance} (1-${this.#slots.length})`);
    for (const index of indexes) await this.#replace(index, reason);
    return indexes.map((i) => i + 1);
  }

  async #replace(index: number, reason: string, replacement?: WorkerIsolate): Promise<void> {
    const old = this.#slots[index] as Slot;
    const worker = replacement ?? (await this.#instance());
    this.#slots[index] = newSlot(worker);
    old.retired = true;
    if (old.inFlight === 0) old.worker.dispose();
    this.#evicted(index, reason);
  }

  /** Counts the eviction of the instance at `index` (for stats) and reports it. */
  #evicted(index: number, reason: string): void {
    const count = this.#evictions[index] ?? { count: 0 };
    this.#evictions[index] = { count: count.count + 1, last: reason };
    this.#options.onEvicted(index + 1, reason);
  }

  /** Each instance's figures, and the shared isolate's heap (absent while a new isolate is being made). */
  async stats(): Promise<InstancesResult> {
    const instances = this.#slots.map((slot, index): InstanceStats => {
      const evictions = this.#evictions[index];
      return {
        instance: index + 1,
        served: slot.served,
        cpuMs: Math.round(slot.cpuMs * 10) / 10,
        inFlight: slot.inFlight,
        createdAt: slot.createdAt,
        evictions: evictions?.count ?? 0,
        ...(evictions?.last ? { lastEviction: evictions.last } : {}),
      };
    });
    const isolate = this.#isolate;
    if (this.#restarting || isolate.isDisposed) return { instances };
    try {
      const heap = await isolate.getHeapStatistics();
      return { instances, heap: { usedBytes: heap.used_heap_size, limitBytes: heap.heap_size_limit } };
    } catch {
      return { instances }; // disposed meanwhile (a limit)
    }
  }

  /**
   * Live reload: the new code goes into fresh contexts of the same isolate (a debugger's breakpoints re-bind by URL),
   * new requests go to it, requests in flight finish on the old contexts. A worker that fails to load throws
   * (WorkerLoadError) and the old code keeps serving.
   */
  async reload(code: string, url: string, env: Record<string, unknown>, bindings?: WorkerIsolateOptions['bindings']): Promise<void> {
    await this.#ready();
    const previous = this.#options.instance;
    this.#options.instance = { ...previous, code, url, env, ...(bindings ? { bindings } : {}) };
    let first: WorkerIsolate;
    try {
      first = await this.#instance();
    } catch (err) {
      this.#options.instance = previous;
      throw err;
    }
    this.handles = first.handles;
    for (let index = 0; index < this.#slots.length; index++) await this.#replace(index, 'reloaded', index === 0 ? first : undefined);
    this.#dropObjects();
  }

  #evictIdle(): void {
    if (this.#restarting || this.#disposed) return;
    const now = Date.now();
    this.#slots.forEach((slot, index) => {
      if (slot.used && slot.inFlight === 0 && now - slot.lastUsed >= this.#options.idleEvictMs) {
        void this.#replace(index, `idle for ${Math.round((now - slot.lastUsed) / 1000)} s`).catch(() => {});
      }
    });
  }

  /**
   * Ends the isolate (a limit). isolated-vm deadlocks disposing an isolate that has an inspector session open (and
   * any later call on that session blocks the host), and crashes when a session and its isolate are disposed back to
   * back: watchers close their sessions first ('closing', at most CLOSING_WAIT_MS), and the isolate goes a loop
   * turn later. It runs on meanwhile; the request over the limit fails when it is disposed. The pool starts over
   * then, whether or not that request failed: one held paused by a debugger is resumed when its session closes, and
   * may well finish first (nothing would fail, and the debugger would wait for a new isolate until the next request).
   */
  #kill(reason: string): void {
    const isolate = this.#isolate;
    if (this.#killReasons.has(isolate) || isolate.isDisposed) return;
    this.#killReasons.set(isolate, reason);
    void this.#notify('closing').then(() =>
      setImmediate(() => {
        if (!isolate.isDisposed) isolate.dispose();
        // A failed start is the next request's to report (#ready tries again).
        if (isolate === this.#isolate) this.#restart().catch(() => {});
      }),
    );
  }

  /** Tells the watchers; for 'closing', settles once they are done (or after CLOSING_WAIT_MS). */
  #notify(event: IsolateEvent): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const watcher of this.#watchers) {
      try {
        const wait = watcher(event);
        if (wait) waits.push(wait.catch(() => {}));
      } catch {
        // A watcher's failure must not stop a restart.
      }
    }
    if (waits.length === 0) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSING_WAIT_MS)));
    return Promise.race([Promise.all(waits).then(() => {}), cap]).finally(() => clearTimeout(timer));
  }

  createInspectorSession(): ivm.InspectorSession {
    return this.#isolate.createInspectorSession();
  }

  /**
   * A debugger paused or resumed the isolate: while paused, its CPU time (the debugger's evaluations) counts against
   * no request's limit. (Time spent waiting paused never does: isolated-vm's clock stops.)
   */
  debuggerPaused(paused: boolean): void {
    this.#meter.paused = paused;
  }

  /**
   * After a debugger's out-of-memory pause: true once the isolate has run a task of the pool's (queued behind the code
   * that neared the limit: that code has stopped, and the isolate lives on), false once it is gone.
   */
  async survivedOutOfMemory(): Promise<boolean> {
    const isolate = this.#isolate;
    try {
      await isolate.getHeapStatistics();
    } catch {
      return false;
    }
    return isolate === this.#isolate && !isolate.isDisposed;
  }

  /** Whether the isolate takes inspector sessions: not once it is disposed (a session must not be touched then). */
  get inspectable(): boolean {
    return !this.#isolate.isDisposed;
  }

  /**
   * The inspector relay follows the isolate: 'closing' before the pool disposes it (it is still alive: close every
   * session on it; the pool waits for the promise returned), 'replaced' once a new isolate takes sessions (before any
   * instance is loaded into it; the old one is gone, maybe by itself at its memory limit). Returns unwatch.
   */
  watchIsolate(watcher: (event: IsolateEvent) => Promise<unknown> | undefined): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /**
   * The live instances' contexts, as numbers in the isolate's creation order (1 = its first context), newest last:
   * what the inspector relay makes the debug console's default (isolated-vm never reports released contexts).
   */
  liveContexts(): number[] {
    return this.#slots.map((slot) => this.#contextNumbers.get(slot.worker) ?? 0).filter((n) => n > 0).sort((a, b) => a - b);
  }

  /** The instances' isolate's heap (bench/reloads.ts, the reload leak test). */
  heapStatistics(): Promise<ivm.HeapStatistics> {
    return this.#isolate.getHeapStatistics();
  }

  /** Callers close inspector sessions first and let the event loop turn (see platform notes: dispose ordering). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    for (const slot of this.#slots) slot.worker.dispose();
    this.#dropObjects();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }
}
