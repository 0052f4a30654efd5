/**
 * A D1 database on the host: one SQLite file per database (`d1-<id>.sqlite` in the state folder), queried through
 * node:sqlite. The answers have D1's shape (`{ success, results, meta }`) and its errors' words; the isolate side
 * (runtime/isolate/bindings/d1.ts) does the binding of values and the `D1_…` prefixes, as workerd's D1 client does.
 *
 * A batch (and `exec`) runs in one transaction: all of it or none. `meta.rows_read` / `rows_written` are estimates
 * (rows returned or scanned as SQLite reports them to node:sqlite: rows returned for reads, rows changed for writes);
 * D1 counts its storage engine's row visits, which node:sqlite does not expose.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { sqliteErrorMessage } from './sqliteErrors.ts';
import { isEmptyStatement, parameters } from './sqlText.ts';

/** A value as it crosses from the isolate: SQLite's types, blobs as bytes. */
export type D1Value = null | number | string | Uint8Array;

export interface D1Query {
  sql: string;
  params: D1Value[];
}

export interface D1Meta {
  served_by: string;
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
  size_after: number;
  rows_read: number;
  rows_written: number;
}

/** Rows as arrays with the column names (the isolate makes objects or `raw` arrays of them); blobs as byte arrays. */
export interface D1QueryResult {
  columns: string[];
  rows: unknown[][];
  meta: D1Meta;
}

/** A refusal with D1's words; `prefix` is what the D1 client puts before it (D1_ERROR, D1_EXEC_ERROR). */
export class D1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'D1Error';
  }
}

const SERVED_BY = 'worker-studio.db';

/** A column value as D1 answers it: integers as numbers, blobs as arrays of bytes. */
function fromSqlite(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return [...value];
  return value;
}

export class D1Store {
  readonly #db: DatabaseSync;

  /** Figures every query's meta reads before and after it: prepared once. */
  readonly #sizeQuery: StatementSync;
  readonly #changesQuery: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#sizeQuery = db.prepare('SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()');
    this.#changesQuery = db.prepare('SELECT total_changes() AS total, last_insert_rowid() AS lastRowId');
  }

  #size(): number {
    return (this.#sizeQuery.get() as { size: number }).size;
  }

  #changes(): { total: number; lastRowId: number } {
    return this.#changesQuery.get() as { total: number; lastRowId: number };
  }

  #run(query: D1Query): D1QueryResult {
    const started = performance.now();
    const sizeBefore = this.#size();
    const before = this.#changes();
    const bound = parameters(query.sql);
    if (bound.count !== query.params.length) throw new D1Error('Wrong number of parameter bindings for SQL query.');
    let columns: string[];
    let rows: unknown[][];
    try {
      const statement = this.#db.prepare(bound.sql);
      statement.setReturnArrays(true);
      // Integers beyond 2^53 come back as the nearest double, as in D1 (node:sqlite would refuse them as numbers).
      statement.setReadBigInts(true);
      columns = statement.columns().map((column) => column.name);
      const values = bound.indexes.map((index) => query.params[index - 1]) as SQLInputValue[];
      rows = (statement.all(...values) as unknown as unknown[][]).map((row) => row.map(fromSqlite));
    } catch (err) {
      throw new D1Error(sqliteErrorMessage(err, query.sql));
    }
    const after = this.#changes();
    const sizeAfter = this.#size();
    const changes = after.total - before.total;
    return {
      columns,
      rows,
      meta: {
        served_by: SERVED_BY,
        duration: performance.now() - started,
        changes,
        last_row_id: after.lastRowId,
        changed_db: changes !== 0 || after.lastRowId !== before.lastRowId || sizeAfter !== sizeBefore,
        size_after: sizeAfter,
        rows_read: rows.length,
        rows_written: changes,
      },
    };
  }

  /**
   * `exec`: one statement (or several) per line, all in one transaction; answers how many lines ran. A failure is
   * reported as D1's client reports a failed batch: against the first line (`Error in line 1: <first line>: …`).
   */
  exec(sql: string): { count: number; duration: number } {
    const started = performance.now();
    const lines = sql.trim().split('\n').filter((line) => !isEmptyStatement(line));
    if (lines.length === 0) throw new D1Error('No SQL statements detected.');
    this.#db.exec('BEGIN');
    try {
      for (const line of lines) {
        try {
          this.#db.exec(line);
        } catch (err) {
          throw new D1Error(`Error in line 1: ${lines[0]}: ${sqliteErrorMessage(err, line)}`);
        }
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
    return { count: lines.length, duration: performance.now() - started };
  }

  /** Statements in one transaction (a single `prepare(…).all()` is a batch of one). */
  query(queries: D1Query[]): D1QueryResult[] {
    const statements = queries.filter((query) => !isEmptyStatement(query.sql));
    if (statements.length === 0) throw new D1Error('No SQL statements detected.');
    this.#db.exec('BEGIN');
    try {
      const results = statements.map((query) => this.#run(query));
      this.#db.exec('COMMIT');
      return results;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }
}
