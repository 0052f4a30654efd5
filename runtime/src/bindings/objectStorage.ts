/**
 * One Durable Object's storage: its own SQLite database (`do/<class>/<id>.sqlite` in the state folder), as in
 * production where each object has one. The key-value API keeps its data in the `_cf_KV` table (values as V8
 * serializations: structured clone, as workerd stores them), the alarm in `_cf_METADATA`, and `sql.exec` runs on the
 * same database. Events of one object run one at a time (runtime/isolate/objects.ts), so a transaction (BEGIN…COMMIT
 * around the closure's calls) sees only its own object's writes.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { deserialize, serialize } from 'node:v8';
import { sqliteErrorMessage } from './sqliteErrors.ts';
import { parameters } from './sqlText.ts';
import type { ListOptions as ObjectListOptions } from '../../isolate/objects.ts';

/** Key-value values a get answers: deserialized structured clones. */
export class ObjectStorage {
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #alarm: StatementSync;
  readonly #setAlarm: StatementSync;
  readonly #changesQuery: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec('CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID');
    db.exec('CREATE TABLE IF NOT EXISTS _cf_METADATA (key TEXT PRIMARY KEY, value) WITHOUT ROWID');
    this.#get = db.prepare('SELECT value FROM _cf_KV WHERE key = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)');
    this.#delete = db.prepare('DELETE FROM _cf_KV WHERE key = ?');
    this.#alarm = db.prepare("SELECT value FROM _cf_METADATA WHERE key = 'alarm'");
    this.#setAlarm = db.prepare("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES ('alarm', ?)");
    this.#changesQuery = db.prepare('SELECT total_changes() AS n');
  }

  get(key: string): unknown {
    const row = this.#get.get(key) as { value: Uint8Array } | undefined;
    return row === undefined ? undefined : deserialize(row.value);
  }

  getMany(keys: string[]): [string, unknown][] {
    return keys.flatMap((key): [string, unknown][] => {
      const value = this.get(key);
      return value === undefined ? [] : [[key, value]];
    });
  }

  put(key: string, value: unknown): void {
    this.#put.run(key, serialize(value));
  }

  putMany(entries: [string, unknown][]): void {
    this.#atomically(() => {
      for (const [key, value] of entries) this.put(key, value);
    });
  }

  delete(key: string): boolean {
    return Number(this.#delete.run(key).changes) > 0;
  }

  deleteMany(keys: string[]): number {
    return this.#atomically(() => keys.filter((key) => this.delete(key)).length);
  }

  /** Keys in UTF-8 byte order (or reversed) between `start` (or after `startAfter`) and before `end`, with `prefix`. */
  list(options: ObjectListOptions = {}): [string, unknown][] {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    if (options.start !== undefined) (where.push('key >= ?'), values.push(options.start));
    if (options.startAfter !== undefined) (where.push('key > ?'), values.push(options.startAfter));
    if (options.end !== undefined) (where.push('key < ?'), values.push(options.end));
    if (options.prefix !== undefined && options.prefix !== '') (where.push('key >= ? AND substr(key, 1, ?) = ?'), values.push(options.prefix, options.prefix.length, options.prefix));
    const limit = options.limit === undefined ? -1 : Math.max(0, Math.trunc(options.limit));
    if (limit === 0) throw new RangeError('List limit must be positive.');
    const sql = `SELECT key, value FROM _cf_KV${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY key ${options.reverse ? 'DESC' : 'ASC'} LIMIT ${limit}`;
    return (this.#db.prepare(sql).all(...values) as { key: string; value: Uint8Array }[]).map((row) => [row.key, deserialize(row.value)]);
  }

  deleteAll(): void {
    this.#db.exec('DELETE FROM _cf_KV');
  }

  begin(): void {
    this.#db.exec('BEGIN');
  }
  commit(): void {
    if (this.#db.isTransaction) this.#db.exec('COMMIT');
  }
  rollback(): void {
    if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
  }

  getAlarm(): number | null {
    const row = this.#alarm.get() as { value: number } | undefined;
    return row === undefined ? null : row.value;
  }
  setAlarm(at: number): void {
    this.#setAlarm.run(at);
  }
  deleteAlarm(): void {
    this.#db.exec("DELETE FROM _cf_METADATA WHERE key = 'alarm'");
  }

  /** `sql.exec(query, ...bindings)`: the rows of its (first) statement, with workerd's error words. */
  sql(query: string, bindings: unknown[]): { columns: string[]; rows: unknown[][]; rowsRead: number; rowsWritten: number } {
    const bound = parameters(query);
    if (bound.count !== bindings.length) throw new Error(`Wrong number of parameter bindings for SQL query.`);
    try {
      const statement = this.#db.prepare(bound.sql);
      statement.setReturnArrays(true);
      statement.setReadBigInts(true);
      const before = this.#changes();
      const rows = (statement.all(...(bound.indexes.map((i) => bindings[i - 1]) as SQLInputValue[])) as unknown as unknown[][]).map((row) =>
        row.map((value) => (typeof value === 'bigint' ? Number(value) : value instanceof Uint8Array ? value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) : value)),
      );
      const written = this.#changes() - before;
      return { columns: statement.columns().map((column) => column.name), rows, rowsRead: rows.length, rowsWritten: written };
    } catch (err) {
      throw new Error(sqliteErrorMessage(err, query));
    }
  }

  #changes(): number {
    return (this.#changesQuery.get() as { n: number }).n;
  }

  #atomically<T>(work: () => T): T {
    if (this.#db.isTransaction) return work();
    this.#db.exec('BEGIN');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }
}
