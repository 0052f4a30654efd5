/**
 * R2 buckets on the host: every bucket's objects in one SQLite database (`r2.sqlite` in the state folder), the bytes
 * with their metadata. What is R2's own — checksums checked against the bytes, conditional reads and writes (etag and
 * upload time), ranges, listing order, delimiters and cursors, and the words of its errors (`get: The requested range is
 * not satisfiable (10039)`) — happens here; reading options and building R2Object/R2ObjectBody is the isolate's
 * (runtime/isolate/bindings/r2.ts). Compared with Miniflare by test/bindings/r2.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Conditions as R2Conditions, HttpMetadataWire as R2HttpMetadata, ObjectWire as R2ObjectData } from '../../isolate/bindings/r2.ts';

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
const CHECKSUM_NAMES: Record<ChecksumAlgorithm, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

export type R2Range = { offset?: number; length?: number } | { suffix: number };

export interface R2PutOptions {
  httpMetadata?: R2HttpMetadata;
  customMetadata?: Record<string, string>;
  /** Expected digests, hex. */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
  onlyIf?: R2Conditions;
}

export interface R2ListOptions {
  prefix?: string;
  limit?: number;
  cursor?: string;
  delimiter?: string;
  startAfter?: string;
  include?: ('httpMetadata' | 'customMetadata')[];
}

export interface R2ListResult {
  objects: R2ObjectData[];
  truncated: boolean;
  cursor?: string;
  delimitedPrefixes: string[];
}

/** An R2 refusal, worded as R2's API answers (the isolate throws it as an Error). */
export class R2Error extends Error {
  constructor(operation: string, message: string, code: number) {
    super(`${operation}: ${message} (${code})`);
    this.name = 'Error';
  }
}

interface Row {
  key: string;
  value: Uint8Array | null;
  size: number;
  etag: string;
  version: string;
  uploaded: number;
  http_metadata: string;
  custom_metadata: string;
  checksums: string;
}

function objectOf(row: Omit<Row, 'value'>, include: { http: boolean; custom: boolean } = { http: true, custom: true }): R2ObjectData {
  return {
    key: row.key,
    size: row.size,
    etag: row.etag,
    version: row.version,
    uploaded: row.uploaded,
    httpMetadata: include.http ? (JSON.parse(row.http_metadata) as R2HttpMetadata) : {},
    customMetadata: include.custom ? (JSON.parse(row.custom_metadata) as Record<string, string>) : {},
    checksums: JSON.parse(row.checksums) as R2ObjectData['checksums'],
  };
}

/** R2's conditional rules (as HTTP's): a passing etag match makes the date condition beside it moot. */
function conditionsHold(object: { etag: string; uploaded: number }, conditions: R2Conditions | undefined): boolean {
  if (!conditions) return true;
  const matches = (etags: string[]) => etags.some((etag) => etag === '*' || etag === object.etag);
  // Upload times compare at second precision, as HTTP dates do.
  const uploadedSeconds = Math.floor(object.uploaded / 1000);
  if (conditions.etagMatches !== undefined) {
    if (!matches(conditions.etagMatches)) return false;
  } else if (conditions.uploadedBefore !== undefined && uploadedSeconds >= Math.floor(conditions.uploadedBefore / 1000)) return false;
  if (conditions.etagDoesNotMatch !== undefined) {
    if (matches(conditions.etagDoesNotMatch)) return false;
  } else if (conditions.uploadedAfter !== undefined && uploadedSeconds <= Math.floor(conditions.uploadedAfter / 1000)) return false;
  return true;
}

const digest = (algorithm: ChecksumAlgorithm, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('hex');

export class R2Store {
  readonly #head: StatementSync;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #list: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS r2_objects (
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      value BLOB NOT NULL,
      size INTEGER NOT NULL,
      etag TEXT NOT NULL,
      version TEXT NOT NULL,
      uploaded INTEGER NOT NULL,
      http_metadata TEXT NOT NULL,
      custom_metadata TEXT NOT NULL,
      checksums TEXT NOT NULL,
      PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID`);
    const columns = 'key, size, etag, version, uploaded, http_metadata, custom_metadata, checksums';
    this.#head = db.prepare(`SELECT ${columns} FROM r2_objects WHERE bucket = ? AND key = ?`);
    // A range is read from SQLite as such (substr on a blob counts bytes, from 1).
    this.#get = db.prepare(`SELECT ${columns}, substr(value, ? + 1, ?) AS value FROM r2_objects WHERE bucket = ? AND key = ?`);
    this.#put = db.prepare(`INSERT OR REPLACE INTO r2_objects (bucket, key, value, size, etag, version, uploaded, http_metadata, custom_metadata, checksums) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#delete = db.prepare('DELETE FROM r2_objects WHERE bucket = ? AND key = ?');
    // Keys compare as UTF-8 bytes (BINARY collation), which is R2's order.
    this.#list = db.prepare(`SELECT ${columns} FROM r2_objects WHERE bucket = ? AND key >= ? AND key > ? ORDER BY key`);
  }

  head(bucket: string, key: string): R2ObjectData | null {
    const row = this.#head.get(bucket, key) as Omit<Row, 'value'> | undefined;
    return row ? { ...objectOf(row), range: { offset: 0, length: row.size } } : null;
  }

  /** The object and the bytes of its range; `body: null` when a condition failed (R2 then answers the object alone). */
  get(bucket: string, key: string, options: { range?: R2Range; onlyIf?: R2Conditions } = {}): { object: R2ObjectData; body: Uint8Array | null } | null {
    const head = this.#head.get(bucket, key) as Omit<Row, 'value'> | undefined;
    if (!head) return null;
    if (!conditionsHold(head, options.onlyIf)) return { object: objectOf(head), body: null };
    const range = this.#resolveRange(head.size, options.range);
    const row = this.#get.get(range.offset, range.length, bucket, key) as unknown as Row;
    return { object: { ...objectOf(row), range }, body: row.value ?? new Uint8Array() };
  }

  #resolveRange(size: number, range: R2Range | undefined): { offset: number; length: number } {
    if (!range) return { offset: 0, length: size };
    if ('suffix' in range) {
      const length = Math.min(range.suffix, size);
      return { offset: size - length, length };
    }
    const offset = range.offset ?? 0;
    if (offset > 0 && offset >= size) throw new R2Error('get', 'The requested range is not satisfiable', 10039);
    return { offset, length: Math.min(range.length ?? size - offset, size - offset) };
  }

  /** Stores the object; null when `onlyIf` did not hold against the object there (nothing is written). */
  put(bucket: string, key: string, value: Uint8Array, options: R2PutOptions = {}): R2ObjectData | null {
    if (options.onlyIf) {
      const existing = this.#head.get(bucket, key) as Omit<Row, 'value'> | undefined;
      if (existing ? !conditionsHold(existing, options.onlyIf) : options.onlyIf.etagMatches !== undefined) return null;
    }
    const checksums: R2ObjectData['checksums'] = { md5: digest('md5', value) };
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const expected = options.checksums?.[algorithm];
      if (expected === undefined) continue;
      const actual = checksums[algorithm] ?? digest(algorithm, value);
      if (expected.toLowerCase() !== actual) {
        const name = CHECKSUM_NAMES[algorithm];
        throw new R2Error('put', `The ${name} checksum you specified did not match what we received.\nYou provided a ${name} checksum with value: ${expected}\nActual ${name} was: ${actual}`, 10037);
      }
      checksums[algorithm] = actual;
    }
    const object: R2ObjectData = {
      key,
      size: value.byteLength,
      etag: checksums.md5!,
      version: randomBytes(16).toString('hex'),
      uploaded: Date.now(),
      httpMetadata: options.httpMetadata ?? {},
      customMetadata: options.customMetadata ?? {},
      checksums,
    };
    this.#put.run(bucket, key, value, object.size, object.etag, object.version, object.uploaded, JSON.stringify(object.httpMetadata), JSON.stringify(object.customMetadata), JSON.stringify(checksums));
    return object;
  }

  delete(bucket: string, keys: string[]): void {
    for (const key of keys) this.#delete.run(bucket, key);
  }

  list(bucket: string, options: R2ListOptions = {}): R2ListResult {
    const limit = options.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new R2Error('list', 'MaxKeys params must be positive integer <= 1000.', 10022);
    const prefix = options.prefix ?? '';
    const after = options.cursor ? Buffer.from(options.cursor, 'base64url').toString('utf8') : (options.startAfter ?? '');
    const include = { http: options.include?.includes('httpMetadata') ?? false, custom: options.include?.includes('customMetadata') ?? false };
    const objects: R2ObjectData[] = [];
    const delimitedPrefixes: string[] = [];
    let last = '';
    let truncated = false;
    for (const row of this.#list.iterate(bucket, prefix, after) as Iterable<Omit<Row, 'value'>>) {
      if (!row.key.startsWith(prefix)) break;
      // With a delimiter, keys that go on past it after the prefix are rolled up into one delimited prefix.
      const cut = options.delimiter ? row.key.indexOf(options.delimiter, prefix.length) : -1;
      const rolledUp = cut === -1 ? undefined : row.key.slice(0, cut + options.delimiter!.length);
      if (rolledUp !== undefined && delimitedPrefixes.at(-1) === rolledUp) {
        last = row.key;
        continue;
      }
      if (objects.length + delimitedPrefixes.length === limit) {
        truncated = true;
        break;
      }
      if (rolledUp !== undefined) delimitedPrefixes.push(rolledUp);
      else objects.push(objectOf(row, include));
      last = row.key;
    }
    return truncated ? { objects, truncated, cursor: Buffer.from(last, 'utf8').toString('base64url'), delimitedPrefixes } : { objects, truncated, delimitedPrefixes };
  }
}
