/**
 * Durable Objects on the host: ids from names, each object's storage (objectStorage.ts, opened on first use), its alarm
 * (a host timer, kept across restarts in the object's database), and the way to the objects themselves: a stub's
 * fetch or RPC call, or a due alarm, becomes an object event run in the worker's objects context (WorkerPool
 * `objectEvent`, runtime/isolate/objects.ts). A binding to another worker's class (`script_name`) reaches that worker's
 * objects (ServiceDirectory `objectEvent`), which keeps their storage and alarms.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { BindingDeclaration } from '../../../common/bindings.ts';
import type { WireBindingResult, WireObjectStorageCall } from '../../isolate/hostWire.ts';
import type { ObjectEventResult, WireObjectEvent } from '../../isolate/objects.ts';
import { fileSafe, StoreFiles, type Persistence } from '../storage/persistence.ts';
import { ObjectStorage } from './objectStorage.ts';
import type { ListOptions as ObjectListOptions } from '../../isolate/objects.ts';

export type ObjectEventRunner = (event: WireObjectEvent) => Promise<ObjectEventResult>;

/** How often a failing alarm is retried, and the first delay (doubling), as in production. */
const ALARM_RETRIES = 6;
const ALARM_RETRY_MS = 2000;

interface Namespace {
  className: string;
  scriptName?: string;
}

export class DurableObjects {
  readonly #persistence: Persistence;
  readonly #log: (line: string) => void;
  #namespaces = new Map<string, Namespace>();
  /** Each object's database (`do/<class>/<id>.sqlite`), opened on first use. */
  readonly #databases: StoreFiles;
  /** Classes whose stored alarms have been scheduled (once: a reload configures again, the timers are already set). */
  readonly #alarmsLoaded = new Set<string>();
  readonly #alarms = new Map<string, ReturnType<typeof setTimeout>>();
  #run: ObjectEventRunner | undefined;
  readonly #objectsOf: (worker: string, event: WireObjectEvent) => Promise<ObjectEventResult>;
  #closed = false;

  /** `objectsOf`: how an event reaches the objects of another worker of the sidecar (ServiceDirectory). */
  constructor(persistence: Persistence, log: (line: string) => void, objectsOf: (worker: string, event: WireObjectEvent) => Promise<ObjectEventResult>) {
    this.#persistence = persistence;
    this.#databases = new StoreFiles(persistence);
    this.#log = log;
    this.#objectsOf = objectsOf;
  }

  /**
   * The config's Durable Object bindings (name → class); the alarms earlier runs stored for this worker's own classes
   * are scheduled again, once per class (a class of another worker is that worker's to wake).
   */
  configure(bindings: readonly BindingDeclaration[]): void {
    this.#namespaces = new Map(bindings.filter((b) => b.kind === 'durableObject').map((b) => [b.name, { className: b.className ?? b.name, ...(b.scriptName ? { scriptName: b.scriptName } : {}) }]));
    if (this.#persistence.kind !== 'disk') return;
    for (const { className, scriptName } of this.#namespaces.values()) {
      if (scriptName || this.#alarmsLoaded.has(className)) continue;
      this.#alarmsLoaded.add(className);
      const dir = path.join(this.#persistence.dir, 'do', fileSafe(className));
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir)) {
        const id = /^([0-9a-f]{64})\.sqlite$/.exec(file)?.[1];
        if (!id) continue;
        const at = this.#storage(className, id).getAlarm();
        if (at !== null) this.#schedule(className, id, at, 0);
      }
    }
  }

  /** How object events reach the objects (the pool); until then a stub's call waits for nothing and fails. */
  serve(run: ObjectEventRunner): void {
    this.#run = run;
  }

  #namespace(binding: string): Namespace {
    const namespace = this.#namespaces.get(binding);
    if (!namespace) throw new Error(`The binding env.${binding} no longer exists in the config (it was removed by a reload).`);
    return namespace;
  }

  /** The id of `name` in the namespace: the same 64 hex digits for the same class and name, run after run. */
  idFromName(binding: string, name: string): string {
    return createHash('sha256').update(`${this.#namespace(binding).className}\u0000${name}`).digest('hex');
  }

  /** A stub's `fetch` or RPC call: `args` is `[id, name, request]` or `[id, name, method, args]`. */
  async call(binding: string, op: string, args: unknown[]): Promise<WireBindingResult> {
    const { className, scriptName } = this.#namespace(binding);
    const [id, name] = args as [string, string | null];
    // A class of another worker (`script_name`) lives there: its objects context, its storage, its alarms.
    const run = scriptName ? (event: WireObjectEvent) => this.#objectsOf(scriptName, event) : this.#run;
    if (!run) throw new Error('Durable Objects are not ready yet');
    if (op === 'fetch') return run({ kind: 'fetch', className, id, name, request: args[2] as never });
    if (op === 'rpc') return run({ kind: 'rpc', className, id, name, method: args[2] as string, args: args[3] as unknown[] });
    throw new TypeError(`Unknown Durable Object operation ${op}`);
  }

  #storage(className: string, id: string): ObjectStorage {
    return this.#databases.get(`do/${fileSafe(className)}/${id}`, (db) => new ObjectStorage(db));
  }

  /** An object's storage call (runtime/isolate/objects.ts StorageCalls). */
  storageCall({ className, id, op, args }: WireObjectStorageCall): unknown {
    const storage = this.#storage(className, id);
    switch (op) {
      case 'get':
        return storage.get(args[0] as string);
      case 'getMany':
        return storage.getMany(args[0] as string[]);
      case 'put':
        return storage.put(args[0] as string, args[1]);
      case 'putMany':
        return storage.putMany(args[0] as [string, unknown][]);
      case 'delete':
        return storage.delete(args[0] as string);
      case 'deleteMany':
        return storage.deleteMany(args[0] as string[]);
      case 'list':
        return storage.list(args[0] as ObjectListOptions);
      case 'deleteAll':
        return storage.deleteAll();
      case 'begin':
        return storage.begin();
      case 'commit':
        return storage.commit();
      case 'rollback':
        return storage.rollback();
      case 'getAlarm':
        return storage.getAlarm();
      case 'setAlarm': {
        storage.setAlarm(args[0] as number);
        this.#schedule(className, id, args[0] as number, 0);
        return undefined;
      }
      case 'deleteAlarm':
        storage.deleteAlarm();
        this.#unschedule(className, id);
        return undefined;
      default:
        throw new TypeError(`Unknown Durable Object storage operation ${op}`);
    }
  }

  /** `sql.exec` of an object. */
  sql(object: { className: string; id: string }, query: string, bindings: unknown[]): unknown {
    return this.#storage(object.className, object.id).sql(query, bindings);
  }

  #unschedule(className: string, id: string): void {
    const key = `${className}\u0000${id}`;
    clearTimeout(this.#alarms.get(key));
    this.#alarms.delete(key);
  }

  #schedule(className: string, id: string, at: number, retryCount: number): void {
    this.#unschedule(className, id);
    if (this.#closed) return;
    const key = `${className}\u0000${id}`;
    const timer = setTimeout(() => {
      this.#alarms.delete(key);
      void this.#fire(className, id, retryCount);
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.#alarms.set(key, timer);
  }

  async #fire(className: string, id: string, retryCount: number): Promise<void> {
    const storage = this.#storage(className, id);
    const at = storage.getAlarm();
    if (at === null || !this.#run) return;
    storage.deleteAlarm();
    const result = await this.#run({ kind: 'alarm', className, id, name: null, retryCount });
    const who = `${className} ${id.slice(0, 8)}…`;
    if (result.ok) {
      this.#log(`⏰ alarm ${who} ok`);
      return;
    }
    if (retryCount + 1 >= ALARM_RETRIES) {
      this.#log(`⏰ alarm ${who} failed ${ALARM_RETRIES} times, given up: ${result.error.message}`);
      return;
    }
    const delay = ALARM_RETRY_MS * 2 ** retryCount;
    this.#log(`⏰ alarm ${who} threw (${result.error.message}); retried in ${delay / 1000} s`);
    // Unless the handler set a new alarm meanwhile, the failed one comes back.
    if (storage.getAlarm() === null) {
      storage.setAlarm(Date.now() + delay);
      this.#schedule(className, id, Date.now() + delay, retryCount + 1);
    }
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#alarms.values()) clearTimeout(timer);
    this.#alarms.clear();
    this.#databases.closeAll();
  }
}
