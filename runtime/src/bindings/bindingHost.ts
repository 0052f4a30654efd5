/**
 * The host side of the worker's bindings: what `env.<NAME>` objects in the isolate call (one `binding` reference of
 * HostServices, `runtime/isolate/bindings/`), dispatched by binding name to the store that keeps its data. One per
 * sidecar, shared by every instance and every reload: instances see the same data, and a reload that changes the
 * config's bindings only changes which names lead where (`configure`).
 *
 * A call never rejects: a refusal comes back as data (`{ ok: false, error }`) and is thrown again in the isolate with
 * the kind of error the real binding throws.
 */
import type { BindingDeclaration } from '../../../common/bindings.ts';
import type { WireBinding, WireBindingCall, WireBindingResult, WireCacheCall, WireObjectStorageCall, WireThrown } from '../../isolate/hostWire.ts';
import { DurableObjects, type ObjectEventRunner } from './durableObjects.ts';
import type { WireObjectRequest } from '../../isolate/bindings/durableObjects.ts';
import type { ObjectEventResult, WireObjectEvent } from '../../isolate/objects.ts';
import { CacheStore } from './cacheStore.ts';
import { QueueBroker, type ConsumerConfig, type DeliverBatch, type OutgoingMessage } from './queueBroker.ts';
import { fileSafe, StoreFiles, type Persistence } from '../storage/persistence.ts';
import { D1Store, type D1Query } from './d1Database.ts';
import { checkCacheTtl, KvStore } from './kvStore.ts';
import { R2Store, type R2ListOptions, type R2PutOptions } from './r2Bucket.ts';

/** The binding kinds the runtime provides. */
export const PROVIDED_KINDS: ReadonlySet<BindingDeclaration['kind']> = new Set(['kv', 'd1', 'r2', 'queue', 'durableObject', 'service']);

/** A KV binding's namespace: its `id` (what wrangler keys local data by), else its `preview_id`, else its name. */
function kvNamespaceId(binding: BindingDeclaration): string {
  const { id, preview_id: previewId } = binding.settings as { id?: unknown; preview_id?: unknown };
  return typeof id === 'string' && id ? id : typeof previewId === 'string' && previewId ? previewId : binding.name;
}

/** A D1 binding's database: its `database_id`, else its `database_name`, else its name. */
function d1DatabaseId(binding: BindingDeclaration): string {
  const { database_id: id, database_name: name } = binding.settings as { database_id?: unknown; database_name?: unknown };
  return typeof id === 'string' && id ? id : typeof name === 'string' && name ? name : binding.name;
}

type KvGetResult = { value: Uint8Array; metadata: string | null } | null;
type Route = { kind: 'kv'; namespace: string } | { kind: 'd1'; database: string } | { kind: 'r2'; bucket: string } | { kind: 'queue'; queue: string } | { kind: 'durableObject' } | { kind: 'service'; service: string; entrypoint: string | null };

/**
 * The other workers of the sidecar, as service bindings reach them: a fetch becomes that worker's own request; an RPC
 * call runs on its entrypoint. Both answer as data (errors included).
 */
export interface ServiceDirectory {
  fetch(service: string, request: WireObjectRequest): Promise<WireBindingResult>;
  rpc(service: string, entrypoint: string | null, method: string, args: unknown[]): Promise<WireBindingResult>;
  /** An event for a Durable Object of that worker's classes (a binding with `script_name`). */
  objectEvent(service: string, event: WireObjectEvent): Promise<ObjectEventResult>;
}

/** An R2 binding's bucket: its `bucket_name`, else its name. */
function r2BucketName(binding: BindingDeclaration): string {
  const { bucket_name: name } = binding.settings as { bucket_name?: unknown };
  return typeof name === 'string' && name ? name : binding.name;
}

export class BindingHost {
  readonly #persistence: Persistence;
  /** KV, D1, R2, the cache and the queues, each on its database (`kv.sqlite`, `d1-<id>.sqlite`, …), opened when used. */
  readonly #stores: StoreFiles;
  #objects: DurableObjects | undefined;
  readonly #log: (line: string) => void;
  readonly #services: ServiceDirectory;
  /** Binding name → what it leads to. */
  #routes = new Map<string, Route>();

  /** `log`: lines for the user's log (a queue message dropped or moved to its dead-letter queue). */
  /** `services`: the other workers of the sidecar (service bindings). */
  constructor(persistence: Persistence, log: (line: string) => void, services: ServiceDirectory) {
    this.#persistence = persistence;
    this.#stores = new StoreFiles(persistence);
    this.#log = log;
    this.#services = services;
  }

  /** The bindings of the current config (of the kinds in PROVIDED_KINDS); answers what the isolate builds `env` from. */
  configure(bindings: readonly BindingDeclaration[]): WireBinding[] {
    const routes = new Map<string, Route>();
    const wire: WireBinding[] = [];
    for (const binding of bindings) {
      if (binding.kind === 'kv') {
        routes.set(binding.name, { kind: 'kv', namespace: kvNamespaceId(binding) });
        wire.push({ name: binding.name, kind: 'kv' });
      } else if (binding.kind === 'd1') {
        routes.set(binding.name, { kind: 'd1', database: d1DatabaseId(binding) });
        wire.push({ name: binding.name, kind: 'd1' });
      } else if (binding.kind === 'r2') {
        routes.set(binding.name, { kind: 'r2', bucket: r2BucketName(binding) });
        wire.push({ name: binding.name, kind: 'r2' });
      } else if (binding.kind === 'service') {
        const { service, entrypoint } = binding.settings as { service?: unknown; entrypoint?: unknown };
        routes.set(binding.name, { kind: 'service', service: typeof service === 'string' ? service : binding.name, entrypoint: typeof entrypoint === 'string' ? entrypoint : null });
        wire.push({ name: binding.name, kind: 'service' });
      } else if (binding.kind === 'durableObject') {
        routes.set(binding.name, { kind: 'durableObject' });
        wire.push({ name: binding.name, kind: 'durableObject' });
      } else if (binding.kind === 'queue') {
        const { queue } = binding.settings as { queue?: unknown };
        routes.set(binding.name, { kind: 'queue', queue: typeof queue === 'string' && queue ? queue : binding.name });
        wire.push({ name: binding.name, kind: 'queue' });
      }
    }
    this.#routes = routes;
    this.#durableObjects().configure(bindings);
    return wire;
  }

  /** The isolate's Cache API call (HostServices' `cache` reference). */
  cache(call: WireCacheCall): WireBindingResult {
    try {
      return { ok: true, value: this.#cacheCall(call) };
    } catch (err) {
      return { ok: false, error: asWireThrown(err) };
    }
  }

  #cacheCall({ cache, op, url, headers, response }: WireCacheCall): unknown {
    const store = this.#stores.get('cache', (db) => new CacheStore(db));
    switch (op) {
      case 'match':
        return store.match(cache, url, headers);
      case 'put':
        return store.put(cache, url, headers, response!);
      case 'delete':
        return store.delete(cache, url);
    }
  }

  /** The isolate's call (HostServices' `binding` reference); a Durable Object's answer comes later. */
  call(call: WireBindingCall): WireBindingResult | Promise<WireBindingResult> {
    const route = this.#routes.get(call.binding);
    // Another worker and Durable Objects answer later; the stores answer at once.
    if (route?.kind === 'service' || route?.kind === 'durableObject') {
      const answer = route.kind === 'service' ? this.#serviceCall(route, call) : this.#durableObjects().call(call.binding, call.op, call.args);
      return answer.catch((err: unknown): WireBindingResult => ({ ok: false, error: asWireThrown(err) }));
    }
    try {
      return { ok: true, value: this.#dispatch(route, call) };
    } catch (err) {
      return { ok: false, error: asWireThrown(err) };
    }
  }

  #serviceCall(route: Extract<Route, { kind: 'service' }>, { op, args }: WireBindingCall): Promise<WireBindingResult> {
    return op === 'fetch' ? this.#services.fetch(route.service, args[0] as WireObjectRequest) : this.#services.rpc(route.service, route.entrypoint, args[0] as string, args[1] as unknown[]);
  }

  #dispatch(route: Exclude<Route, { kind: 'service' | 'durableObject' }> | undefined, { binding, op, args }: WireBindingCall): unknown {
    if (!route) throw new Error(`The binding env.${binding} no longer exists in the config (it was removed by a reload).`);
    switch (route.kind) {
      case 'kv':
        return this.#kvCall(route.namespace, op, args);
      case 'd1':
        return this.#d1Call(route.database, op, args);
      case 'r2':
        return this.#r2Call(route.bucket, op, args);
      case 'queue':
        if (op !== 'send') throw new TypeError(`Unknown queue operation ${op}`);
        return this.#queues().send(route.queue, args[0] as OutgoingMessage[]);
    }
  }

  /** A Durable Object id from a name (the isolate's idFromName, synchronous). */
  objectIdFromName(binding: string, name: string): string {
    return this.#durableObjects().idFromName(binding, name);
  }

  /** An object's storage call (HostServices' `objectStorage` reference). */
  objectStorage(call: WireObjectStorageCall): WireBindingResult {
    try {
      return { ok: true, value: this.#durableObjects().storageCall(call) };
    } catch (err) {
      return { ok: false, error: asWireThrown(err) };
    }
  }

  /** An object's `sql.exec` (HostServices' `objectSql` reference). */
  objectSql(object: { className: string; id: string }, query: string, bindings: unknown[]): WireBindingResult {
    try {
      return { ok: true, value: this.#durableObjects().sql(object, query, bindings) };
    } catch (err) {
      return { ok: false, error: asWireThrown(err) };
    }
  }

  /** How object events reach the worker's objects (WorkerPool's objectEvent). */
  serveObjects(run: ObjectEventRunner): void {
    this.#durableObjects().serve(run);
  }

  #durableObjects(): DurableObjects {
    this.#objects ??= new DurableObjects(this.#persistence, this.#log, (worker, event) => this.#services.objectEvent(worker, event));
    return this.#objects;
  }

  /** The consumers of the worker's config and how their batches reach it; stored messages are picked up. */
  consumeQueues(consumers: ConsumerConfig[], deliver: DeliverBatch): void {
    this.#queues().configure(consumers, deliver);
  }

  #queues(): QueueBroker {
    return this.#stores.get('queues', (db) => new QueueBroker(db, this.#log));
  }

  #r2Call(bucket: string, op: string, args: unknown[]): unknown {
    const r2 = this.#r2Store();
    switch (op) {
      case 'head':
        return r2.head(bucket, args[0] as string);
      case 'get':
        return r2.get(bucket, args[0] as string, args[1] as Parameters<R2Store['get']>[2]);
      case 'put':
        return r2.put(bucket, args[0] as string, args[1] as Uint8Array, args[2] as R2PutOptions);
      case 'delete':
        r2.delete(bucket, args[0] as string[]);
        return undefined;
      case 'list':
        return r2.list(bucket, args[0] as R2ListOptions);
      default:
        throw new TypeError(`Unknown R2 operation ${op}`);
    }
  }

  #r2Store(): R2Store {
    return this.#stores.get('r2', (db) => new R2Store(db));
  }

  #d1Call(database: string, op: string, args: unknown[]): unknown {
    const d1 = this.#d1Store(database);
    switch (op) {
      case 'query':
        return d1.query(args[0] as D1Query[]);
      case 'exec':
        return d1.exec(args[0] as string);
      default:
        throw new TypeError(`Unknown D1 operation ${op}`);
    }
  }

  #d1Store(database: string): D1Store {
    return this.#stores.get(`d1-${fileSafe(database)}`, (db) => new D1Store(db));
  }

  #kvCall(namespace: string, op: string, args: unknown[]): unknown {
    const kv = this.#kvStore();
    switch (op) {
      case 'get': {
        const [key, cacheTtl] = args as [string, number | undefined];
        checkCacheTtl('GET', cacheTtl);
        const entry = kv.get(namespace, key);
        return entry && ({ value: entry.value, metadata: entry.metadata } satisfies KvGetResult);
      }
      case 'getBulk': {
        const [keys, type, cacheTtl] = args as [string[], string, number | undefined];
        if (type !== 'text' && type !== 'json') throw new Error(`KV GET_BULK failed: 400 "${type}" is not a valid type. Use "json" or "text"`);
        if (keys.length > 100) throw new Error('KV GET_BULK failed: 400 You can request a maximum of 100 keys');
        checkCacheTtl('GET_BULK', cacheTtl);
        return keys.map((key): KvGetResult => {
          const entry = kv.get(namespace, key, 'GET_BULK');
          return entry && { value: entry.value, metadata: entry.metadata };
        });
      }
      case 'put': {
        const [key, value, options] = args as [string, Uint8Array, { expiration?: number; expirationTtl?: number; metadata?: string }];
        kv.put(namespace, key, value, options);
        return undefined;
      }
      case 'delete':
        kv.delete(namespace, args[0] as string);
        return undefined;
      case 'list':
        return kv.list(namespace, args[0] as { prefix?: string; limit?: number; cursor?: string });
      default:
        throw new TypeError(`Unknown KV operation ${op}`);
    }
  }

  #kvStore(): KvStore {
    return this.#stores.get('kv', (db) => new KvStore(db));
  }

  /** Closes the databases (the sidecar is stopping; every acknowledged write is already on disk). */
  close(): void {
    this.#objects?.close();
    this.#objects = undefined;
    this.#stores.closeAll();
  }
}

function asWireThrown(err: unknown): WireThrown {
  if (err instanceof TypeError) return { name: 'TypeError', message: err.message };
  if (err instanceof RangeError) return { name: 'RangeError', message: err.message };
  if (err instanceof Error) return { name: 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}
