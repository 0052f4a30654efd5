/**
 * The Cache API's storage on the host (`caches.default`, `caches.open(name)`): responses in SQLite (`cache.sqlite` in
 * the state folder), kept for as long as their headers allow. What may be stored and for how long is decided by
 * http-cache-semantics (RFC 9111, as a shared cache — the library Miniflare's cache uses too): `no-store`, `private`,
 * `no-cache`, `max-age=0`, a `Set-Cookie` without `private=set-cookie`, no freshness at all → not stored; `s-maxage`,
 * `max-age`, `Expires` → stored until then. A match answers conditional requests (`If-None-Match`,
 * `If-Modified-Since` → 304) and a single byte range (206, or 416) from the stored response, as Cloudflare's cache does.
 * The isolate (runtime/isolate/cache.ts) checks what workerd checks before storing (GET only, no 206, no `Vary: *`).
 */
import CachePolicy from 'http-cache-semantics';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

export interface CachedResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

type HeaderRecord = Record<string, string>;

const toRecord = (headers: [string, string][]): HeaderRecord => {
  const record: HeaderRecord = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    record[key] = record[key] === undefined ? value : `${record[key]}, ${value}`;
  }
  return record;
};

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` against `size`: the slice, `unsatisfiable`, or undefined (no single range). */
function singleRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from, to] = match;
  if (from === '') {
    const suffix = Math.min(Number(to), size);
    return suffix === 0 ? 'unsatisfiable' : { start: size - suffix, end: size - 1 };
  }
  const start = Number(from);
  if (start >= size) return 'unsatisfiable';
  return { start, end: to === '' ? size - 1 : Math.min(Number(to), size - 1) };
}

/** Whether a conditional request is answered by what is cached (If-None-Match first, else If-Modified-Since). */
function notModified(request: HeaderRecord, response: HeaderRecord): boolean {
  const ifNoneMatch = request['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const etag = response.etag?.replace(/^W\//, '');
    return etag !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
  }
  const since = Date.parse(request['if-modified-since'] ?? '');
  const modified = Date.parse(response['last-modified'] ?? '');
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * http-cache-semantics reads the time through its prototype's `now`, from the constructor on: a policy is made with
 * this store's clock in place (synchronously, so nothing else sees it), and keeps it.
 */
function withClock<T>(now: number, make: () => T): T {
  const prototype = CachePolicy.prototype as unknown as { now: () => number };
  const original = prototype.now;
  prototype.now = () => now;
  try {
    return make();
  } finally {
    prototype.now = original;
  }
}

export class CacheStore {
  readonly #now: () => number;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;

  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#now = now;
    db.exec(`CREATE TABLE IF NOT EXISTS cache_entries (
      cache TEXT NOT NULL,
      url TEXT NOT NULL,
      status INTEGER NOT NULL,
      headers TEXT NOT NULL,
      body BLOB NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (cache, url)
    ) WITHOUT ROWID`);
    this.#get = db.prepare('SELECT status, headers, body, expires_at FROM cache_entries WHERE cache = ? AND url = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO cache_entries (cache, url, status, headers, body, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM cache_entries WHERE cache = ? AND url = ?');
  }

  /** Stores the response when its headers allow; answers whether it did. */
  put(cache: string, url: string, requestHeaders: [string, string][], response: CachedResponse): boolean {
    const request = toRecord(requestHeaders);
    delete request['cache-control'];
    const headers = toRecord(response.headers);
    // `private=set-cookie`: the response may be cached without its cookies (Cloudflare's reading of the directive).
    if (headers['cache-control']?.toLowerCase().includes('private=set-cookie')) {
      headers['cache-control'] = headers['cache-control'].toLowerCase().replace(/private=set-cookie;?/i, '');
      delete headers['set-cookie'];
    }
    const now = this.#now();
    const policy = withClock(now, () => new CachePolicy({ url, method: 'GET', headers: request }, { status: response.status, headers }, { shared: true }));
    (policy as unknown as { now: () => number }).now = () => now;
    if (!policy.storable() || 'set-cookie' in headers) return false;
    const ttl = policy.timeToLive();
    if (ttl <= 0) return false;
    const stored = Object.entries(policy.responseHeaders()).flatMap(([name, value]) =>
      value === undefined ? [] : Array.isArray(value) ? value.map((v): [string, string] => [name, v]) : [[name, String(value)] as [string, string]],
    );
    this.#put.run(cache, url, response.status, JSON.stringify(stored), response.body, now + ttl);
    return true;
  }

  /** The cached response for a GET of `url`, shaped by the request's conditional and range headers; null: a miss. */
  match(cache: string, url: string, requestHeaders: [string, string][]): CachedResponse | null {
    const row = this.#get.get(cache, url) as { status: number; headers: string; body: Uint8Array; expires_at: number } | undefined;
    if (!row) return null;
    if (row.expires_at <= this.#now()) {
      this.#delete.run(cache, url);
      return null;
    }
    const request = toRecord(requestHeaders);
    const headers = (JSON.parse(row.headers) as [string, string][]).filter(([name]) => name.toLowerCase() !== 'content-length');
    const size = row.body.byteLength;
    const hit: [string, string][] = [...headers, ['cf-cache-status', 'HIT']];
    if (notModified(request, toRecord(headers))) return { status: 304, headers: [...hit, ['content-length', String(size)]], body: new Uint8Array() };
    const range = singleRange(request.range, size);
    if (range === 'unsatisfiable') return { status: 416, headers: [['content-range', `bytes */${size}`], ['cf-cache-status', 'HIT']], body: new Uint8Array() };
    if (range) {
      const body = row.body.subarray(range.start, range.end + 1);
      return { status: 206, headers: [...hit, ['content-range', `bytes ${range.start}-${range.end}/${size}`], ['content-length', String(body.byteLength)]], body };
    }
    return { status: row.status, headers: [...hit, ['content-length', String(size)]], body: row.body };
  }

  delete(cache: string, url: string): boolean {
    return Number(this.#delete.run(cache, url).changes) > 0;
  }
}
