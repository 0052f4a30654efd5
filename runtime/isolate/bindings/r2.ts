/**
 * `env.<BUCKET>`: an R2 bucket (R2Bucket of @cloudflare/workers-types) — head/get/put/delete/list, ranges, conditional
 * reads and writes, checksums, HTTP and custom metadata. Options are read here (Headers for metadata, conditions and
 * ranges, as workerd accepts them); objects are built here from what the host answers
 * (runtime/src/bindings/r2Bucket.ts, where the bytes and R2's rules live).
 */
import { callBinding } from './call.ts';
import { readAll, ReadableStream } from '../streams.ts';
import { TextEncoder } from '../encoding.ts';
import { Headers } from '../headers.ts';
import { Response } from '../response.ts';
import { Blob } from '../blob.ts';

/** httpMetadata as it crosses (cacheExpiry in epoch ms). */
export interface HttpMetadataWire {
  contentType?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  cacheControl?: string;
  cacheExpiry?: number;
}

/** An object as the host answers it: hex checksums (md5 always), times in epoch ms. */
export interface ObjectWire {
  key: string;
  size: number;
  etag: string;
  version: string;
  uploaded: number;
  httpMetadata: HttpMetadataWire;
  customMetadata: Record<string, string>;
  checksums: Record<string, string>;
  range?: { offset: number; length: number };
}

/** `onlyIf`, read: dates in epoch ms, etags unquoted (`*` for any). */
export interface Conditions {
  etagMatches?: string[];
  etagDoesNotMatch?: string[];
  uploadedBefore?: number;
  uploadedAfter?: number;
}

const encoder = new TextEncoder();
const CHECKSUMS = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'] as const;
const HTTP_FIELDS: [keyof HttpMetadataWire, string][] = [
  ['contentType', 'content-type'],
  ['contentLanguage', 'content-language'],
  ['contentDisposition', 'content-disposition'],
  ['contentEncoding', 'content-encoding'],
  ['cacheControl', 'cache-control'],
];

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string) => new Uint8Array((text.match(/../g) ?? []).map((pair) => parseInt(pair, 16))).buffer;

/** An etag list as HTTP writes it (`"a", W/"b"`) or a plain etag: the bare values. */
function etags(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return list.map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((tag) => tag.length > 0);
}

function readConditions(onlyIf: unknown): Conditions | undefined {
  if (onlyIf === undefined || onlyIf === null) return undefined;
  if (onlyIf instanceof Headers) {
    const date = (name: string) => (onlyIf.has(name) ? Date.parse(onlyIf.get(name)!) : undefined);
    const conditions: Conditions = {};
    const matches = etags(onlyIf.get('if-match') ?? undefined);
    const noneMatch = etags(onlyIf.get('if-none-match') ?? undefined);
    if (matches) conditions.etagMatches = matches;
    if (noneMatch) conditions.etagDoesNotMatch = noneMatch;
    const before = date('if-unmodified-since');
    const after = date('if-modified-since');
    if (before !== undefined) conditions.uploadedBefore = before;
    if (after !== undefined) conditions.uploadedAfter = after;
    return conditions;
  }
  const given = onlyIf as { etagMatches?: unknown; etagDoesNotMatch?: unknown; uploadedBefore?: unknown; uploadedAfter?: unknown };
  const conditions: Conditions = {};
  const matches = etags(given.etagMatches);
  const noneMatch = etags(given.etagDoesNotMatch);
  if (matches) conditions.etagMatches = matches;
  if (noneMatch) conditions.etagDoesNotMatch = noneMatch;
  if (given.uploadedBefore instanceof Date) conditions.uploadedBefore = given.uploadedBefore.getTime();
  if (given.uploadedAfter instanceof Date) conditions.uploadedAfter = given.uploadedAfter.getTime();
  return conditions;
}

function readRange(range: unknown): { offset?: number; length?: number } | { suffix: number } | undefined {
  if (range === undefined || range === null) return undefined;
  if (range instanceof Headers) {
    const header = range.get('range');
    if (header === null) return undefined;
    const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!match) throw new RangeError(`Invalid range header: ${header}`);
    const [, start, end] = match;
    if (start === '') return { suffix: Number(end) };
    return end === '' ? { offset: Number(start) } : { offset: Number(start), length: Number(end) - Number(start) + 1 };
  }
  const given = range as { offset?: unknown; length?: unknown; suffix?: unknown };
  if (given.suffix !== undefined) {
    const suffix = Number(given.suffix);
    if (suffix < 0) throw new RangeError(`Invalid range. Suffix (${suffix}) must be greater than or equal to 0.`);
    return { suffix };
  }
  const result: { offset?: number; length?: number } = {};
  if (given.offset !== undefined) {
    result.offset = Number(given.offset);
    if (result.offset < 0) throw new RangeError(`Invalid range. Starting offset (${result.offset}) must be greater than or equal to 0.`);
  }
  if (given.length !== undefined) {
    result.length = Number(given.length);
    if (result.length < 0) throw new RangeError(`Invalid range. Length (${result.length}) must be greater than or equal to 0.`);
  }
  return result;
}

function readHttpMetadata(metadata: unknown): HttpMetadataWire | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  const result: HttpMetadataWire = {};
  if (metadata instanceof Headers) {
    for (const [field, header] of HTTP_FIELDS) {
      const value = metadata.get(header);
      if (value !== null) result[field] = value as never;
    }
    const expires = metadata.get('expires');
    if (expires !== null && !Number.isNaN(Date.parse(expires))) result.cacheExpiry = Date.parse(expires);
    return result;
  }
  const given = metadata as Record<string, unknown>;
  for (const [field] of HTTP_FIELDS) if (given[field] !== undefined) result[field] = String(given[field]) as never;
  if (given.cacheExpiry instanceof Date) result.cacheExpiry = given.cacheExpiry.getTime();
  return result;
}

async function valueBytes(value: unknown): Promise<Uint8Array> {
  if (value === null || value === undefined) return new Uint8Array();
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream) return readAll(value);
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  throw new TypeError('R2 put() accepts only nulls, strings, Blobs, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.');
}

function checksumHex(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  throw new TypeError('A checksum must be a hex string, an ArrayBuffer or an ArrayBufferView.');
}

export class R2Checksums {
  readonly #hex: Record<string, string>;
  constructor(hexDigests: Record<string, string>) {
    this.#hex = hexDigests;
  }
  get md5(): ArrayBuffer | undefined {
    return this.#digest('md5');
  }
  get sha1(): ArrayBuffer | undefined {
    return this.#digest('sha1');
  }
  get sha256(): ArrayBuffer | undefined {
    return this.#digest('sha256');
  }
  get sha384(): ArrayBuffer | undefined {
    return this.#digest('sha384');
  }
  get sha512(): ArrayBuffer | undefined {
    return this.#digest('sha512');
  }
  #digest(name: string): ArrayBuffer | undefined {
    return this.#hex[name] === undefined ? undefined : fromHex(this.#hex[name]);
  }
  toJSON(): Record<string, string> {
    return Object.fromEntries(CHECKSUMS.filter((name) => this.#hex[name] !== undefined).map((name) => [name, this.#hex[name]!]));
  }
}

export class R2Object {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly checksums: R2Checksums;
  readonly uploaded: Date;
  readonly httpMetadata: Record<string, unknown>;
  readonly customMetadata: Record<string, string>;
  readonly range: { offset: number; length: number } | undefined;
  readonly storageClass = '';

  constructor(wire: ObjectWire) {
    this.key = wire.key;
    this.version = wire.version;
    this.size = wire.size;
    this.etag = wire.etag;
    this.httpEtag = `"${wire.etag}"`;
    this.checksums = new R2Checksums(wire.checksums);
    this.uploaded = new Date(wire.uploaded);
    const { cacheExpiry, ...http } = wire.httpMetadata;
    this.httpMetadata = cacheExpiry === undefined ? http : { ...http, cacheExpiry: new Date(cacheExpiry) };
    this.customMetadata = wire.customMetadata;
    this.range = wire.range;
  }

  writeHttpMetadata(headers: Headers): void {
    for (const [field, header] of HTTP_FIELDS) {
      const value = this.httpMetadata[field];
      if (value !== undefined) headers.set(header, String(value));
    }
    const expiry = this.httpMetadata.cacheExpiry;
    if (expiry instanceof Date) headers.set('expires', expiry.toUTCString());
  }
}

export class R2ObjectBody extends R2Object {
  readonly #response: Response;

  constructor(wire: ObjectWire, bytes: Uint8Array) {
    super(wire);
    this.#response = new Response(bytes);
  }

  get body(): ReadableStream {
    return this.#response.body as unknown as ReadableStream;
  }
  get bodyUsed(): boolean {
    return this.#response.bodyUsed;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#response.arrayBuffer();
  }
  bytes(): Promise<Uint8Array> {
    return this.#response.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }
  text(): Promise<string> {
    return this.#response.text();
  }
  json(): Promise<unknown> {
    return this.#response.json();
  }
  async blob(): Promise<Blob> {
    return new Blob([await this.#response.arrayBuffer()], { type: String(this.httpMetadata.contentType ?? '') });
  }
}

export class R2Bucket {
  readonly #binding: string;

  constructor(binding: string) {
    this.#binding = binding;
  }

  #call(op: string, args: unknown[]): Promise<unknown> {
    return callBinding(this.#binding, op, args);
  }

  async head(key: unknown): Promise<R2Object | null> {
    const wire = (await this.#call('head', [String(key)])) as ObjectWire | null;
    return wire && new R2Object(wire);
  }

  async get(key: unknown, options?: { range?: unknown; onlyIf?: unknown }): Promise<R2Object | R2ObjectBody | null> {
    const wireOptions = { range: readRange(options?.range), onlyIf: readConditions(options?.onlyIf) };
    const result = (await this.#call('get', [String(key), wireOptions])) as { object: ObjectWire; body: Uint8Array | null } | null;
    if (result === null) return null;
    return result.body === null ? new R2Object(result.object) : new R2ObjectBody(result.object, result.body);
  }

  async put(key: unknown, value: unknown, options?: Record<string, unknown>): Promise<R2Object | null> {
    const bytes = await valueBytes(value);
    const checksums: Record<string, string> = {};
    for (const name of CHECKSUMS) if (options?.[name] !== undefined) checksums[name] = checksumHex(options[name]);
    const custom = options?.customMetadata as Record<string, unknown> | undefined;
    const wireOptions = {
      httpMetadata: readHttpMetadata(options?.httpMetadata),
      customMetadata: custom ? Object.fromEntries(Object.entries(custom).map(([name, v]) => [name, String(v)])) : undefined,
      checksums,
      onlyIf: readConditions(options?.onlyIf),
    };
    const wire = (await this.#call('put', [String(key), bytes, wireOptions])) as ObjectWire | null;
    return wire && new R2Object(wire);
  }

  async delete(keys: unknown): Promise<void> {
    await this.#call('delete', [Array.isArray(keys) ? keys.map(String) : [String(keys)]]);
  }

  async list(options?: { prefix?: unknown; limit?: unknown; cursor?: unknown; delimiter?: unknown; startAfter?: unknown; include?: unknown }): Promise<unknown> {
    const wire: Record<string, unknown> = {};
    for (const name of ['prefix', 'cursor', 'delimiter', 'startAfter'] as const) if (options?.[name] !== undefined && options[name] !== null) wire[name] = String(options[name]);
    if (options?.limit !== undefined) wire.limit = Number(options.limit);
    if (Array.isArray(options?.include)) wire.include = options.include.map(String);
    const result = (await this.#call('list', [wire])) as { objects: ObjectWire[]; truncated: boolean; cursor?: string; delimitedPrefixes: string[] };
    return { ...result, objects: result.objects.map((object) => new R2Object(object)) };
  }
}
