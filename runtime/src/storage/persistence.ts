/**
 * Where the bindings' data lives: SQLite files under a state folder (`.worker-studio/` in the project by default,
 * `--persist-to DIR`), or nothing on disk at all (`--no-persist`: in-memory databases, gone when the sidecar exits).
 *
 * Durability: every database runs in WAL mode with `synchronous = FULL`, so a transaction is on disk (fsync'd) when its
 * statement returns — and a binding's promise resolves only after that — so a write the worker saw acknowledged
 * survives a SIGKILL of the sidecar or a power cut.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export type Persistence = { kind: 'disk'; dir: string } | { kind: 'memory' };

/** The project's default state folder. */
export const DEFAULT_STATE_DIR = '.worker-studio';

export function persistenceFor(projectRoot: string, options: { persistTo?: string; noPersist?: boolean }): Persistence {
  if (options.noPersist) return { kind: 'memory' };
  return { kind: 'disk', dir: path.resolve(projectRoot, options.persistTo ?? DEFAULT_STATE_DIR) };
}

/** What a user sees in a log line: the folder, or that nothing is kept. */
export function describePersistence(persistence: Persistence): string {
  return persistence.kind === 'disk' ? persistence.dir : 'in memory only (--no-persist)';
}

/** A file name for an id from the config: anything but letters, digits, `-` and `_` becomes `_`. */
export const fileSafe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Opens (creating) the database `name` (e.g. `kv`, `do/Counter/<id>`) of the state folder: `<dir>/<name>.sqlite`. The folder gets a
 * `.gitignore` of `*` when Worker Studio creates it: local data is not source.
 */
export function openDatabase(persistence: Persistence, name: string): DatabaseSync {
  let db: DatabaseSync;
  if (persistence.kind === 'memory') {
    db = new DatabaseSync(':memory:');
  } else {
    if (!existsSync(persistence.dir)) {
      mkdirSync(persistence.dir, { recursive: true });
      writeFileSync(path.join(persistence.dir, '.gitignore'), '# Local data of Worker Studio (bindings: KV, D1, R2, Durable Objects, …)\n*\n');
    }
    const file = path.join(persistence.dir, `${name}.sqlite`);
    mkdirSync(path.dirname(file), { recursive: true });
    db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL');
  }
  db.exec('PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000');
  return db;
}

/**
 * The stores of one owner (a worker's bindings, its Durable Objects), each on its own database of the state folder,
 * opened on first use and closed together. A store with a `close()` of its own (timers) is closed before its database.
 */
export class StoreFiles {
  readonly #persistence: Persistence;
  readonly #open = new Map<string, { db: DatabaseSync; store: { close?(): void } }>();

  constructor(persistence: Persistence) {
    this.#persistence = persistence;
  }

  /** The store on database `name` (see openDatabase), made by `make` the first time. */
  get<Store extends object>(name: string, make: (db: DatabaseSync) => Store): Store {
    let open = this.#open.get(name);
    if (!open) {
      const db = openDatabase(this.#persistence, name);
      open = { db, store: make(db) };
      this.#open.set(name, open);
    }
    return open.store as Store;
  }

  closeAll(): void {
    for (const { db, store } of this.#open.values()) {
      store.close?.();
      db.close();
    }
    this.#open.clear();
  }
}
