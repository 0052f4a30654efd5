/**
 * `env.<KV>`: a KV namespace (KVNamespace of @cloudflare/workers-types). Argument handling and the checks workerd makes
 * itself happen here (TypeErrors, before anything is sent); storage and KV's own checks are the host's
 * (runtime/src/bindings/kvStore.ts). Values cross as bytes; metadata as its JSON text.
 */
import { callBinding } from './call.ts';
import { readAll, ReadableStream, streamOfBytes } from '../streams.ts';
import { TextDecoder, TextEncoder } from '../encoding.ts';

type ValueType = 'text' | 'json' | 'arrayBuffer' | 'stream';
const VALUE_TYPES: readonly string[] = ['text', 'json', 'arrayBuffer', 'stream'];
const UNKNOWN_TYPE = 'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';

type Stored = { value: Uint8Array; metadata: string | null } | null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readOptions(typeOrOptions: unknown): { type: ValueType; cacheTtl?: number } {
  const options = typeof typeOrOptions === 'string' ? { type: typeOrOptions } : ((typeOrOptions ?? {}) as { type?: unknown; cacheTtl?: unknown });
  const type = options.type === undefined ? 'text' : String(options.type);
  if (!VALUE_TYPES.includes(type)) throw new TypeError(UNKNOWN_TYPE);
  const cacheTtl = (options as { cacheTtl?: unknown }).cacheTtl;
  return { type: type as ValueType, ...(cacheTtl === undefined ? {} : { cacheTtl: Number(cacheTtl) }) };
}

function decode(bytes: Uint8Array, type: ValueType): unknown {
  switch (type) {
    case 'text':
      return decoder.decode(bytes);
    case 'json':
      return JSON.parse(decoder.decode(bytes)) as unknown;
    case 'arrayBuffer':
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    case 'stream':
      return streamOfBytes(bytes);
  }
}

/** What put() stores: strings (and other primitives, as strings), buffers and views, streams (read to the end). */
async function valueBytes(value: unknown): Promise<Uint8Array> {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream) return readAll(value);
  if (value === null || typeof value === 'object' || typeof value === 'function') {
    throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.');
  }
  return encoder.encode(String(value));
}

function checkKey(key: string): void {
  if (key === '') throw new TypeError('Key name cannot be empty.');
  if (key === '.' || key === '..') throw new TypeError(`"${key}" is not allowed as a key name.`);
}

export class KVNamespace {
  readonly #binding: string;

  constructor(binding: string) {
    this.#binding = binding;
  }

  #call(op: string, args: unknown[]): Promise<unknown> {
    return callBinding(this.#binding, op, args);
  }

  async get(key: unknown, typeOrOptions?: unknown): Promise<unknown> {
    if (Array.isArray(key)) return this.#getBulk(key, typeOrOptions, false);
    const { type, cacheTtl } = readOptions(typeOrOptions);
    const name = String(key);
    checkKey(name);
    const stored = (await this.#call('get', [name, cacheTtl])) as Stored;
    return stored === null ? null : decode(stored.value, type);
  }

  async getWithMetadata(key: unknown, typeOrOptions?: unknown): Promise<unknown> {
    if (Array.isArray(key)) return this.#getBulk(key, typeOrOptions, true);
    const { type, cacheTtl } = readOptions(typeOrOptions);
    const name = String(key);
    checkKey(name);
    const stored = (await this.#call('get', [name, cacheTtl])) as Stored;
    if (stored === null) return { value: null, metadata: null, cacheStatus: null };
    return { value: decode(stored.value, type), metadata: stored.metadata === null ? null : (JSON.parse(stored.metadata) as unknown), cacheStatus: null };
  }

  async #getBulk(keys: unknown[], typeOrOptions: unknown, withMetadata: boolean): Promise<Map<string, unknown>> {
    const options = typeof typeOrOptions === 'string' ? { type: typeOrOptions } : ((typeOrOptions ?? {}) as { type?: unknown; cacheTtl?: unknown });
    const type = options.type === undefined ? 'text' : String(options.type);
    const names = keys.map(String);
    for (const name of names) checkKey(name);
    const cacheTtl = options.cacheTtl === undefined ? undefined : Number(options.cacheTtl);
    const stored = (await this.#call('getBulk', [names, type, cacheTtl])) as Stored[];
    const result = new Map<string, unknown>();
    names.forEach((name, index) => {
      const entry = stored[index] ?? null;
      const value = entry === null ? null : decode(entry.value, type as ValueType);
      if (!withMetadata) result.set(name, value);
      else result.set(name, { value, metadata: entry?.metadata == null ? null : (JSON.parse(entry.metadata) as unknown) });
    });
    return result;
  }

  async put(key: unknown, value: unknown, options?: { expiration?: unknown; expirationTtl?: unknown; metadata?: unknown }): Promise<void> {
    const name = String(key);
    checkKey(name);
    const bytes = await valueBytes(value);
    const wireOptions: { expiration?: number; expirationTtl?: number; metadata?: string } = {};
    if (options?.expiration !== undefined) wireOptions.expiration = Number(options.expiration);
    if (options?.expirationTtl !== undefined) wireOptions.expirationTtl = Number(options.expirationTtl);
    if (options?.metadata !== undefined && options.metadata !== null) wireOptions.metadata = JSON.stringify(options.metadata);
    await this.#call('put', [name, bytes, wireOptions]);
  }

  async delete(key: unknown): Promise<void> {
    const name = String(key);
    checkKey(name);
    await this.#call('delete', [name]);
  }

  async list(options?: { prefix?: unknown; limit?: unknown; cursor?: unknown }): Promise<unknown> {
    const wire: { prefix?: string; limit?: number; cursor?: string } = {};
    if (options?.prefix !== undefined && options.prefix !== null) wire.prefix = String(options.prefix);
    if (options?.limit !== undefined) wire.limit = Number(options.limit);
    if (options?.cursor !== undefined && options.cursor !== null) wire.cursor = String(options.cursor);
    const result = (await this.#call('list', [wire])) as { keys: unknown[]; list_complete: boolean; cursor?: string };
    return { ...result, cacheStatus: null };
  }
}
