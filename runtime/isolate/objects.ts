/**
 * Where Durable Objects live: the pool's objects context (one per worker, beside the instances that serve requests)
 * keeps each object — one instance of its class per id, made on its first event with `(state, env)` — and runs its
 * events (a stub's fetch or RPC call, an alarm) one at a time, in arrival order, each after any
 * `blockConcurrencyWhile` work. `state.storage` is the object's own SQLite database on the host: the key-value API
 * (in its `_cf_KV` table, as workerd keeps it), transactions, alarms, and `sql.exec`.
 */
import { host, rethrown } from './host.ts';
import { resumeIn } from './ioContext.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { DurableObjectId, type WireObjectRequest, type WireObjectResponse } from './bindings/durableObjects.ts';
import type { WireThrown } from './hostWire.ts';
import { NULL_BODY_STATUSES } from './wire.ts';
import { failedResult, loadedWorker, rpcMethod } from './loadedWorker.ts';

/** One event for one object. */
export type WireObjectEvent =
  | { kind: 'fetch'; className: string; id: string; name: string | null; request: WireObjectRequest }
  | { kind: 'rpc'; className: string; id: string; name: string | null; method: string; args: unknown[] }
  | { kind: 'alarm'; className: string; id: string; name: string | null; retryCount: number };

export type ObjectEventResult = { ok: true; value: unknown } | { ok: false; error: WireThrown & { stack?: string } };

type StorageOp = 'get' | 'getMany' | 'put' | 'putMany' | 'delete' | 'deleteMany' | 'list' | 'deleteAll' | 'begin' | 'commit' | 'rollback' | 'getAlarm' | 'setAlarm' | 'deleteAlarm';

class StorageCalls {
  readonly #className: string;
  readonly #id: string;
  constructor(className: string, id: string) {
    this.#className = className;
    this.#id = id;
  }
  /** The object, as the host's storage calls name it. */
  get target(): { className: string; id: string } {
    return { className: this.#className, id: this.#id };
  }
  async call(op: StorageOp, args: unknown[] = []): Promise<unknown> {
    const result = await resumeIn(
      host().objectStorage.apply(undefined, [{ className: this.#className, id: this.#id, op, args }], { arguments: { copy: true }, result: { promise: true, copy: true } }),
    );
    if (!result.ok) throw rethrown(result.error);
    return result.value;
  }
}

/** `storage.list()`'s options, as they cross to the host. */
export interface ListOptions {
  start?: string;
  startAfter?: string;
  end?: string;
  prefix?: string;
  reverse?: boolean;
  limit?: number;
}

/** The key-value part of `state.storage` (and of a transaction: the same calls inside BEGIN…COMMIT). */
class StorageApi {
  protected readonly calls: StorageCalls;
  constructor(calls: StorageCalls) {
    this.calls = calls;
  }
  async get(key: unknown): Promise<unknown> {
    if (Array.isArray(key)) return new Map((await this.calls.call('getMany', [key.map(String)])) as [string, unknown][]);
    return this.calls.call('get', [String(key)]);
  }
  async put(key: unknown, value?: unknown): Promise<void> {
    if (typeof key === 'object' && key !== null) {
      await this.calls.call('putMany', [Object.entries(key)]);
      return;
    }
    if (value === undefined) throw new TypeError('put() called with undefined value.');
    await this.calls.call('put', [String(key), value]);
  }
  async delete(key: unknown): Promise<boolean | number> {
    if (Array.isArray(key)) return (await this.calls.call('deleteMany', [key.map(String)])) as number;
    return (await this.calls.call('delete', [String(key)])) as boolean;
  }
  async list(options: ListOptions = {}): Promise<Map<string, unknown>> {
    return new Map((await this.calls.call('list', [options])) as [string, unknown][]);
  }
  async getAlarm(): Promise<number | null> {
    return (await this.calls.call('getAlarm')) as number | null;
  }
  async setAlarm(time: unknown): Promise<void> {
    const at = time instanceof Date ? time.getTime() : Number(time);
    if (!Number.isFinite(at)) throw new TypeError('setAlarm() requires a Date or a number of milliseconds since the epoch');
    await this.calls.call('setAlarm', [at]);
  }
  async deleteAlarm(): Promise<void> {
    await this.calls.call('deleteAlarm');
  }
}

class Transaction extends StorageApi {
  #rolledBack = false;
  rollback(): void {
    this.#rolledBack = true;
  }
  get rolledBack(): boolean {
    return this.#rolledBack;
  }
}

/** `storage.sql.exec(…)`'s cursor, over rows the host has already read. */
class SqlCursor {
  readonly columnNames: string[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly #rows: unknown[][];
  #next = 0;
  constructor(result: { columns: string[]; rows: unknown[][]; rowsRead: number; rowsWritten: number }) {
    this.columnNames = result.columns;
    this.#rows = result.rows;
    this.rowsRead = result.rowsRead;
    this.rowsWritten = result.rowsWritten;
  }
  #object(row: unknown[]): Record<string, unknown> {
    return Object.fromEntries(this.columnNames.map((name, i) => [name, row[i]]));
  }
  next(): IteratorResult<Record<string, unknown>> {
    if (this.#next >= this.#rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#object(this.#rows[this.#next++]!) };
  }
  [Symbol.iterator](): this {
    return this;
  }
  toArray(): Record<string, unknown>[] {
    const rest = this.#rows.slice(this.#next).map((row) => this.#object(row));
    this.#next = this.#rows.length;
    return rest;
  }
  one(): Record<string, unknown> {
    const rest = this.toArray();
    if (rest.length === 0) throw new Error('Expected exactly one result from SQL query, but got no results.');
    if (rest.length > 1) throw new Error('Expected exactly one result from SQL query, but got multiple results.');
    return rest[0]!;
  }
  *raw(): Generator<unknown[]> {
    while (this.#next < this.#rows.length) yield this.#rows[this.#next++]!;
  }
}

class DurableObjectStorage extends StorageApi {
  readonly sql: { exec: (query: string, ...bindings: unknown[]) => SqlCursor; databaseSize: number };

  constructor(calls: StorageCalls) {
    super(calls);
    // sql.exec is synchronous in the API: a blocking call to the host, which answers from its event loop.
    const sqlExec = (query: string, bindings: unknown[]) => host().objectSql.applySync(undefined, [calls.target, String(query), bindings], { arguments: { copy: true }, result: { copy: true } });
    const exec = (query: string, ...bindings: unknown[]) => {
      const result = sqlExec(query, bindings) as { ok: true; value: ConstructorParameters<typeof SqlCursor>[0] } | { ok: false; error: WireThrown };
      if (!result.ok) throw rethrown(result.error);
      return new SqlCursor(result.value);
    };
    this.sql = {
      exec,
      /** The object's database file, in bytes (pages × page size). */
      get databaseSize(): number {
        return exec('SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()').one().size as number;
      },
    };
  }

  async deleteAll(): Promise<void> {
    await this.calls.call('deleteAll');
  }

  async transaction<T>(closure: (txn: Transaction) => Promise<T>): Promise<T> {
    await this.calls.call('begin');
    const txn = new Transaction(this.calls);
    let result: T;
    try {
      result = await closure(txn);
    } catch (err) {
      await this.calls.call('rollback');
      throw err;
    }
    await this.calls.call(txn.rolledBack ? 'rollback' : 'commit');
    return result;
  }

  async sync(): Promise<void> {}
}

class DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  readonly #blockers: Promise<unknown>[];
  constructor(id: DurableObjectId, storage: DurableObjectStorage, blockers: Promise<unknown>[]) {
    this.id = id;
    this.storage = storage;
    this.#blockers = blockers;
  }
  waitUntil(promise: Promise<unknown>): void {
    void Promise.resolve(promise).catch(() => {});
  }
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T> {
    const work = Promise.resolve().then(callback);
    this.#blockers.push(work.catch(() => {}));
    return work;
  }
  acceptWebSocket(): never {
    throw new Error('WebSocket hibernation is not available in Worker Studio yet.');
  }
  getWebSockets(): unknown[] {
    return [];
  }
}

interface LiveObject {
  instance: Record<string, unknown>;
  blockers: Promise<unknown>[];
  /** Settles when the object's last event so far is done: the next one starts after it. */
  tail: Promise<unknown>;
}

const objects = new Map<string, LiveObject>();

function liveObject(event: WireObjectEvent): LiveObject {
  const key = `${event.className}\u0000${event.id}`;
  let live = objects.get(key);
  if (live) return live;
  const Class = loadedWorker.exports[event.className];
  if (typeof Class !== 'function') throw new Error(`The Durable Object class ${event.className} is not exported by the worker (export class ${event.className} …).`);
  const calls = new StorageCalls(event.className, event.id);
  const blockers: Promise<unknown>[] = [];
  const state = new DurableObjectState(new DurableObjectId(event.id, event.name ?? undefined), new DurableObjectStorage(calls), blockers);
  const instance = new (Class as new (state: unknown, env: unknown) => Record<string, unknown>)(state, loadedWorker.env);
  live = { instance, blockers, tail: Promise.resolve() };
  objects.set(key, live);
  return live;
}

/** Method names an RPC call may not reach (workerd: the object's own plumbing). */
const NOT_RPC = new Set(['constructor', 'fetch', 'alarm', 'webSocketMessage', 'webSocketClose', 'webSocketError']);

async function run(live: LiveObject, event: WireObjectEvent): Promise<unknown> {
  while (live.blockers.length) await live.blockers.shift();
  const { instance } = live;
  switch (event.kind) {
    case 'fetch': {
      if (typeof instance.fetch !== 'function') throw new TypeError('Handler does not export a fetch() function.');
      const { request: wire } = event;
      const request = new Request(wire.url, { method: wire.method, headers: wire.headers, body: wire.body as never });
      const response = (await (instance.fetch as (r: Request) => unknown).call(instance, request)) as Response;
      if (!(response instanceof Response)) throw new TypeError('Incorrect type for Promise: the Promise did not resolve to \'Response\'.');
      const body = NULL_BODY_STATUSES.includes(response.status) ? null : new Uint8Array(await response.arrayBuffer());
      return { status: response.status, statusText: response.statusText, headers: [...response.headers], body } satisfies WireObjectResponse;
    }
    case 'rpc': {
      return await rpcMethod(instance, event.method, (name) => !NOT_RPC.has(name) && !name.startsWith('#')).apply(instance, event.args);
    }
    case 'alarm': {
      if (typeof instance.alarm !== 'function') return undefined;
      return await (instance.alarm as (info: unknown) => unknown).call(instance, { retryCount: event.retryCount, isRetry: event.retryCount > 0 });
    }
  }
}

/** Runs one event on its object, after the object's earlier events; never rejects. */
export async function runObjectEvent(event: WireObjectEvent): Promise<ObjectEventResult> {
  try {
    const live = liveObject(event);
    const result = live.tail.then(() => run(live, event));
    live.tail = result.catch(() => {});
    return { ok: true, value: await result };
  } catch (err) {
    return failedResult(err);
  }
}
