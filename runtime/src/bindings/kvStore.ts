/**
 * KV namespaces on the host: every namespace of every worker in one SQLite database (`kv.sqlite` in the state folder),
 * keyed by the namespace's `id` from the config. The checks and their messages are KV's own (what the KV API answers,
 * as the `KV PUT failed: 4xx …` errors workerd turns them into; compared with Miniflare by test/bindings/kv.test.ts).
 *
 * Expiration is in seconds since the epoch, as in KV; an expired key reads as missing and is removed when met.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

export const KEY_LIMIT_BYTES = 512;
export const VALUE_LIMIT_BYTES = 25 * 1024 * 1024;
export const METADATA_LIMIT_BYTES = 1024;
export const LIST_LIMIT = 1000;
const MIN_TTL_SECONDS = 60;
const MIN_CACHE_TTL_SECONDS = 30;

/** A KV API refusal: the message the worker sees, e.g. `KV PUT failed: 400 Invalid expiration_ttl of 10. …`. */
export class KvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Error';
  }
}

export interface KvEntry {
  value: Uint8Array;
  /** The metadata's JSON text, as it was put. */
  metadata: string | null;
  expiration: number | null;
}

export interface KvListKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

export interface KvListResult {
  keys: KvListKey[];
  list_complete: boolean;
  cursor?: string;
}

export interface KvPutOptions {
  expiration?: number;
  expirationTtl?: number;
  /** JSON text of the metadata. */
  metadata?: string;
}

type Operation = 'GET' | 'PUT' | 'DELETE' | 'GET_BULK';

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).byteLength;

/** workerd's own checks on a key, before anything is sent: TypeErrors. */
export function checkKeyName(key: string): void {
  if (key === '') throw new TypeError('Key name cannot be empty.');
  if (key === '.' || key === '..') throw new TypeError(`"${key}" is not allowed as a key name.`);
}

function checkKeyLength(operation: Operation, key: string): void {
  const length = byteLength(key);
  if (length > KEY_LIMIT_BYTES) throw new KvError(`KV ${operation} failed: 414 UTF-8 encoded length of ${length} exceeds key length limit of ${KEY_LIMIT_BYTES}.`);
}

/** `cacheTtl` of a get: accepted and ignored locally (there is no edge cache to fill), but checked as KV does. */
export function checkCacheTtl(operation: Operation, cacheTtl: number | undefined): void {
  if (cacheTtl !== undefined && cacheTtl < MIN_CACHE_TTL_SECONDS) {
    throw new KvError(`KV ${operation} failed: 400 Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${MIN_CACHE_TTL_SECONDS}.`);
  }
}

/** KV's integer reading of an option: what is not a finite number counts as 0, as the KV API reads the query string. */
const asInteger = (value: number | undefined) => (value === undefined ? undefined : Number.isFinite(value) ? Math.trunc(value) : 0);

export class KvStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #list: StatementSync;

  /** `now`: milliseconds since the epoch (tests move it). */
  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    db.exec(`CREATE TABLE IF NOT EXISTS kv (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      value BLOB NOT NULL,
      metadata TEXT,
      expiration INTEGER,
      PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID`);
    this.#get = db.prepare('SELECT value, metadata, expiration FROM kv WHERE namespace = ? AND key = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO kv (namespace, key, value, metadata, expiration) VALUES (?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?');
    // Keys compare as UTF-8 bytes (SQLite's BINARY collation on TEXT), which is KV's order.
    this.#list = db.prepare(
      'SELECT key, metadata, expiration FROM kv WHERE namespace = ? AND key >= ? AND key > ? AND (expiration IS NULL OR expiration > ?) ORDER BY key LIMIT ?',
    );
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  get(namespace: string, key: string, operation: Operation = 'GET'): KvEntry | null {
    checkKeyName(key);
    checkKeyLength(operation, key);
    const row = this.#get.get(namespace, key) as { value: Uint8Array; metadata: string | null; expiration: number | null } | undefined;
    if (!row) return null;
    if (row.expiration !== null && row.expiration <= this.#seconds()) {
      this.#delete.run(namespace, key);
      return null;
    }
    return { value: row.value, metadata: row.metadata, expiration: row.expiration };
  }

  put(namespace: string, key: string, value: Uint8Array, options: KvPutOptions = {}): void {
    checkKeyName(key);
    checkKeyLength('PUT', key);
    const now = this.#seconds();
    let expiration: number | null = null;
    const ttl = asInteger(options.expirationTtl);
    const absolute = asInteger(options.expiration);
    if (ttl !== undefined) {
      if (ttl <= 0) throw new KvError(`KV PUT failed: 400 Invalid expiration_ttl of ${ttl}. Please specify integer greater than 0.`);
      if (ttl < MIN_TTL_SECONDS) throw new KvError(`KV PUT failed: 400 Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least ${MIN_TTL_SECONDS}.`);
      expiration = now + ttl;
    } else if (absolute !== undefined) {
      if (absolute <= now) throw new KvError(`KV PUT failed: 400 Invalid expiration of ${absolute}. Please specify integer greater than the current number of seconds since the UNIX epoch.`);
      if (absolute < now + MIN_TTL_SECONDS) throw new KvError(`KV PUT failed: 400 Invalid expiration of ${absolute}. Expiration times must be at least ${MIN_TTL_SECONDS} seconds in the future.`);
      expiration = absolute;
    }
    if (value.byteLength > VALUE_LIMIT_BYTES) throw new KvError(`KV PUT failed: 413 Value length of ${value.byteLength} exceeds limit of ${VALUE_LIMIT_BYTES}.`);
    const metadata = options.metadata ?? null;
    if (metadata !== null) {
      const length = byteLength(metadata);
      if (length > METADATA_LIMIT_BYTES) throw new KvError(`KV PUT failed: 413 Metadata length of ${length} exceeds limit of ${METADATA_LIMIT_BYTES}.`);
    }
    this.#put.run(namespace, key, value, metadata, expiration);
  }

  delete(namespace: string, key: string): void {
    checkKeyName(key);
    checkKeyLength('DELETE', key);
    this.#delete.run(namespace, key);
  }

  /** Keys in UTF-8 byte order from after `cursor`, `limit` of them (0 or absent: 1000). */
  list(namespace: string, options: { prefix?: string; limit?: number; cursor?: string } = {}): KvListResult {
    const limit = asInteger(options.limit) || LIST_LIMIT;
    if (limit < 0) throw new KvError(`KV GET failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer greater than 0.`);
    if (limit > LIST_LIMIT) throw new KvError(`KV GET failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer less than ${LIST_LIMIT}.`);
    const prefix = options.prefix ?? '';
    const after = options.cursor ? decodeCursor(options.cursor) : '';
    const rows: { key: string; metadata: string | null; expiration: number | null }[] = [];
    // The range starts at the prefix; rows past it end the scan (one more than asked says whether more follow).
    for (const row of this.#list.iterate(namespace, prefix, after, this.#seconds(), limit + 1) as Iterable<{ key: string; metadata: string | null; expiration: number | null }>) {
      if (!row.key.startsWith(prefix)) break;
      rows.push(row);
    }
    const complete = rows.length <= limit;
    const page = rows.slice(0, limit);
    const keys = page.map((row) => {
      const key: KvListKey = { name: row.key };
      if (row.expiration !== null) key.expiration = row.expiration;
      if (row.metadata !== null) key.metadata = JSON.parse(row.metadata) as unknown;
      return key;
    });
    return complete ? { keys, list_complete: true } : { keys, list_complete: false, cursor: encodeCursor(page.at(-1)!.key) };
  }

  /** Drops the data of namespaces (tests). */
  clear(namespace: string): void {
    this.#db.prepare('DELETE FROM kv WHERE namespace = ?').run(namespace);
  }
}

/** Opaque to the worker, as KV's: the last key listed. */
function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
