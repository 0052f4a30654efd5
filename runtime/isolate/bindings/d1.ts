/**
 * `env.<DB>`: a D1 database (D1Database of @cloudflare/workers-types): prepared statements with bound values,
 * `first` / `all` / `run` / `raw`, `batch` (one transaction) and `exec`. As workerd's D1 client: values are checked
 * when bound (D1_TYPE_ERROR), errors carry the `D1_…` prefix with the bare message as their `cause`, and blobs come back
 * as arrays of bytes. The SQL runs on the host (runtime/src/bindings/d1Database.ts).
 */
import { bindingResult } from './call.ts';

type D1Value = null | number | string | Uint8Array;

interface QueryResult {
  columns: string[];
  rows: unknown[][];
  meta: Record<string, unknown>;
}

/** `<PREFIX>: <message>`, with the bare message (or `cause`) as its cause, as workerd's D1 client throws. */
function d1Error(prefix: string, message: string, cause = message): Error {
  return new Error(`${prefix}: ${message}`, { cause: new Error(cause) });
}

/** A bound value as D1 takes it. */
function toD1Value(value: unknown): D1Value {
  if (value === null || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  throw d1Error('D1_TYPE_ERROR', `Type '${typeof value}' not supported for value '${String(value)}'`);
}

const objects = (result: QueryResult) => result.rows.map((row) => Object.fromEntries(result.columns.map((name, i) => [name, row[i]])));
const d1Result = (result: QueryResult) => ({ success: true, meta: result.meta, results: objects(result) });

export class D1Database {
  readonly #binding: string;

  constructor(binding: string) {
    this.#binding = binding;
  }

  /** The host's answer to `op`, or its refusal thrown with `prefix`. */
  async _call(op: 'query' | 'exec', args: unknown[], prefix: string): Promise<unknown> {
    const result = await bindingResult(this.#binding, op, args);
    if (!result.ok) throw d1Error(prefix, result.error.message);
    return result.value;
  }

  prepare(query: string): D1PreparedStatement {
    return new D1PreparedStatement(this, String(query), []);
  }

  async batch(statements: D1PreparedStatement[]): Promise<unknown[]> {
    const queries = statements.map((statement) => statement._query());
    const results = (await this._call('query', [queries], 'D1_ERROR')) as QueryResult[];
    return results.map(d1Result);
  }

  async exec(query: string): Promise<{ count: number; duration: number }> {
    return (await this._call('exec', [String(query)], 'D1_EXEC_ERROR')) as { count: number; duration: number };
  }

  async dump(): Promise<ArrayBuffer> {
    throw new Error('D1_DUMP_ERROR: Database dumps are not available in Worker Studio (dump() is deprecated in D1 too).');
  }

  /** Sessions (read replication): locally there is one copy, so a session is the database itself. */
  withSession(): { prepare: (query: string) => D1PreparedStatement; batch: (statements: D1PreparedStatement[]) => Promise<unknown[]>; getBookmark: () => null } {
    return { prepare: (query) => this.prepare(query), batch: (statements) => this.batch(statements), getBookmark: () => null };
  }
}

export class D1PreparedStatement {
  readonly #database: D1Database;
  readonly #sql: string;
  readonly #params: D1Value[];

  constructor(database: D1Database, sql: string, params: D1Value[]) {
    this.#database = database;
    this.#sql = sql;
    this.#params = params;
  }

  /** What crosses to the host for this statement. */
  _query(): { sql: string; params: D1Value[] } {
    return { sql: this.#sql, params: this.#params };
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new D1PreparedStatement(this.#database, this.#sql, values.map(toD1Value));
  }

  async #run(): Promise<QueryResult> {
    const [result] = (await this.#database._call('query', [[this._query()]], 'D1_ERROR')) as QueryResult[];
    return result!;
  }

  async first(column?: string): Promise<unknown> {
    const rows = objects(await this.#run());
    if (column === undefined) return rows[0] ?? null;
    if (rows.length > 0 && !(column in rows[0]!)) throw d1Error('D1_COLUMN_NOTFOUND', `Column not found (${column})`, 'Column not found');
    return rows.length === 0 ? null : rows[0]![column];
  }

  async all(): Promise<unknown> {
    return d1Result(await this.#run());
  }

  async run(): Promise<unknown> {
    return d1Result(await this.#run());
  }

  async raw(options?: { columnNames?: boolean }): Promise<unknown[][]> {
    const result = await this.#run();
    return options?.columnNames ? [result.columns, ...result.rows] : result.rows;
  }
}
