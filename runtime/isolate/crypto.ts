/**
 * `crypto`: getRandomValues and randomUUID (host entropy, synchronous), and `crypto.subtle` backed by the host's
 * WebCrypto (node:crypto). A CryptoKey here is a handle: the real key stays on the host in a per-isolate map,
 * under the handle's id; algorithm/type/extractable/usages are copies readable in the isolate.
 */
import { utf8Encode } from './encoding.ts';
import { domException, host, rethrown } from './host.ts';
import { resumeIn } from './ioContext.ts';
import type { SubtleOp, WireCryptoKey } from './hostWire.ts';

const ILLEGAL = Symbol('CryptoKey');
const MAX_RANDOM_BYTES = 65536;
/** The digests workerd knows (MD5 too), by upper-cased name; anything else is refused before the host is asked. */
const DIGESTS = new Set(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'MD5']);

function checkDigestAlgorithm(algorithm: unknown): void {
  const name = typeof algorithm === 'object' && algorithm !== null ? (algorithm as { name?: unknown }).name : algorithm;
  if (typeof name !== 'string' || !DIGESTS.has(name.toUpperCase())) {
    throw domException('Unrecognized or unimplemented digest algorithm requested.', 'NotSupportedError');
  }
}

/** Tells the host to drop its key once the handle is garbage collected in the isolate. */
const released = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<number>((id) => {
      try {
        host().keyRelease.applyIgnored(undefined, [id]);
      } catch {
        // The isolate is going away.
      }
    })
  : undefined;

export class CryptoKey {
  readonly #id: number;
  readonly #type: string;
  readonly #extractable: boolean;
  readonly #algorithm: Record<string, unknown>;
  readonly #usages: string[];

  constructor(token: symbol, wire: WireCryptoKey) {
    if (token !== ILLEGAL) throw new TypeError('Illegal constructor');
    this.#id = wire.$cryptoKey;
    this.#type = wire.type;
    this.#extractable = wire.extractable;
    this.#algorithm = wire.algorithm;
    this.#usages = wire.usages;
    released?.register(this, this.#id);
  }
  get type(): string {
    return this.#type;
  }
  get extractable(): boolean {
    return this.#extractable;
  }
  get algorithm(): Record<string, unknown> {
    return this.#algorithm;
  }
  get usages(): string[] {
    return [...this.#usages];
  }
  get [Symbol.toStringTag](): string {
    return 'CryptoKey';
  }
  /** Internal: the host-side id. */
  static _id(key: CryptoKey): number {
    return key.#id;
  }
}

function isWireKey(value: unknown): value is WireCryptoKey {
  return typeof value === 'object' && value !== null && typeof (value as WireCryptoKey).$cryptoKey === 'number';
}

/** Isolate values → copyable data: BufferSources become fresh Uint8Arrays, CryptoKeys become `{ $cryptoKey: id }`. */
function toHost(value: unknown, depth = 0): unknown {
  if (value instanceof CryptoKey) return { $cryptoKey: CryptoKey._id(value) };
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (Array.isArray(value)) return value.map((v) => toHost(v, depth + 1));
  if (typeof value === 'object' && value !== null && depth < 8) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toHost((value as Record<string, unknown>)[key], depth + 1);
    return out;
  }
  return value;
}

function fromHost(value: unknown): unknown {
  if (isWireKey(value)) return new CryptoKey(ILLEGAL, value);
  if (typeof value === 'object' && value !== null && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (isWireKey(record.publicKey) && isWireKey(record.privateKey)) {
      return { publicKey: fromHost(record.publicKey), privateKey: fromHost(record.privateKey) };
    }
  }
  return value;
}

async function call(op: SubtleOp, args: unknown[]): Promise<unknown> {
  const result = await resumeIn(host().subtle.apply(undefined, [op, args.map((a) => toHost(a))], { arguments: { copy: true }, result: { promise: true, copy: true } }));
  if (!result.ok) throw rethrown(result.error);
  return fromHost(result.value);
}

function requireKey(key: unknown, op: string): CryptoKey {
  if (!(key instanceof CryptoKey)) throw new TypeError(`Failed to execute '${op}' on 'SubtleCrypto': parameter is not of type 'CryptoKey'.`);
  return key;
}

type Algorithm = string | Record<string, unknown>;
type BufferSource = ArrayBuffer | ArrayBufferView;

export class SubtleCrypto {
  constructor(token?: symbol) {
    if (token !== ILLEGAL) throw new TypeError('Illegal constructor');
  }
  encrypt(algorithm: Algorithm, key: CryptoKey, data: BufferSource): Promise<unknown> {
    return call('encrypt', [algorithm, requireKey(key, 'encrypt'), data]);
  }
  decrypt(algorithm: Algorithm, key: CryptoKey, data: BufferSource): Promise<unknown> {
    return call('decrypt', [algorithm, requireKey(key, 'decrypt'), data]);
  }
  sign(algorithm: Algorithm, key: CryptoKey, data: BufferSource): Promise<unknown> {
    return call('sign', [algorithm, requireKey(key, 'sign'), data]);
  }
  verify(algorithm: Algorithm, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<unknown> {
    return call('verify', [algorithm, requireKey(key, 'verify'), signature, data]);
  }
  async digest(algorithm: Algorithm, data: BufferSource): Promise<unknown> {
    checkDigestAlgorithm(algorithm);
    return call('digest', [algorithm, data]);
  }
  generateKey(algorithm: Algorithm, extractable: boolean, usages: string[]): Promise<unknown> {
    return call('generateKey', [algorithm, Boolean(extractable), [...usages]]);
  }
  deriveKey(algorithm: Algorithm, baseKey: CryptoKey, derivedKeyType: Algorithm, extractable: boolean, usages: string[]): Promise<unknown> {
    return call('deriveKey', [algorithm, requireKey(baseKey, 'deriveKey'), derivedKeyType, Boolean(extractable), [...usages]]);
  }
  deriveBits(algorithm: Algorithm, baseKey: CryptoKey, length?: number | null): Promise<unknown> {
    return call('deriveBits', [algorithm, requireKey(baseKey, 'deriveBits'), length ?? null]);
  }
  importKey(format: string, keyData: unknown, algorithm: Algorithm, extractable: boolean, usages: string[]): Promise<unknown> {
    return call('importKey', [format, keyData, algorithm, Boolean(extractable), [...usages]]);
  }
  exportKey(format: string, key: CryptoKey): Promise<unknown> {
    return call('exportKey', [format, requireKey(key, 'exportKey')]);
  }
  wrapKey(format: string, key: CryptoKey, wrappingKey: CryptoKey, wrapAlgorithm: Algorithm): Promise<unknown> {
    return call('wrapKey', [format, requireKey(key, 'wrapKey'), requireKey(wrappingKey, 'wrapKey'), wrapAlgorithm]);
  }
  unwrapKey(format: string, wrappedKey: BufferSource, unwrappingKey: CryptoKey, unwrapAlgorithm: Algorithm, unwrappedKeyAlgorithm: Algorithm, extractable: boolean, usages: string[]): Promise<unknown> {
    return call('unwrapKey', [format, wrappedKey, requireKey(unwrappingKey, 'unwrapKey'), unwrapAlgorithm, unwrappedKeyAlgorithm, Boolean(extractable), [...usages]]);
  }
  /** workerd's extension: compares two BufferSources of the same length in constant time. */
  timingSafeEqual(a: BufferSource, b: BufferSource): boolean {
    const view = (v: unknown): Uint8Array => {
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      throw new TypeError("Failed to execute 'timingSafeEqual' on 'SubtleCrypto': parameter is not of type 'ArrayBuffer or ArrayBufferView'.");
    };
    const x = view(a);
    const y = view(b);
    if (x.byteLength !== y.byteLength) throw new TypeError('Input buffers must have the same byte length.');
    let diff = 0;
    for (let i = 0; i < x.byteLength; i++) diff |= (x[i] as number) ^ (y[i] as number);
    return diff === 0;
  }
  get [Symbol.toStringTag](): string {
    return 'SubtleCrypto';
  }
}

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

export function getRandomValues<T extends ArrayBufferView>(array: T): T {
  if (!ArrayBuffer.isView(array)) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
  if (!INTEGER_ARRAYS.some((C) => array instanceof C)) {
    throw domException("The data argument must be an integer-type TypedArray", 'TypeMismatchError');
  }
  if (array.byteLength > MAX_RANDOM_BYTES) {
    throw domException(`getRandomValues() only accepts buffers of size <= 64K but provided ${array.byteLength} bytes.`, 'QuotaExceededError');
  }
  if (array.byteLength === 0) return array;
  const bytes = host().randomBytes.applySync(undefined, [array.byteLength], { result: { copy: true } });
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
  return array;
}

export function randomUUID(): string {
  const b = getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Crypto {
  readonly #subtle = new SubtleCrypto(ILLEGAL);
  constructor(token?: symbol) {
    if (token !== ILLEGAL) throw new TypeError('Illegal constructor');
  }
  get subtle(): SubtleCrypto {
    return this.#subtle;
  }
  getRandomValues<T extends ArrayBufferView>(array: T): T {
    return getRandomValues(array);
  }
  randomUUID(): string {
    return randomUUID();
  }
  get [Symbol.toStringTag](): string {
    return 'Crypto';
  }
}

type WritableStreamCtor = new (sink: object) => object;
let digestProtoLinked = false;

/**
 * workerd's `crypto.DigestStream(algorithm)`: a WritableStream (slice C's global class, looked up at construction)
 * whose `digest` promise settles with the hash of everything written once it closes. Chunks are buffered and hashed
 * on the host at close (an incremental host-side hash is the upgrade path for very large streams).
 */
export function DigestStream(this: unknown, algorithm: Algorithm): object {
  if (!new.target) throw new TypeError("Class constructor DigestStream cannot be invoked without 'new'");
  const WritableStream = (globalThis as { WritableStream?: WritableStreamCtor }).WritableStream;
  if (typeof WritableStream !== 'function') throw new TypeError('DigestStream needs WritableStream');
  checkDigestAlgorithm(algorithm);
  if (!digestProtoLinked) {
    Object.setPrototypeOf(DigestStream.prototype, WritableStream.prototype);
    digestProtoLinked = true;
  }
  const chunks: Uint8Array[] = [];
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const digest = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  digest.catch(() => {});
  const stream = new WritableStream({
    write(chunk: unknown) {
      if (typeof chunk === 'string') chunks.push(utf8Encode(chunk));
      else if (chunk instanceof ArrayBuffer) chunks.push(new Uint8Array(chunk.slice(0)));
      else if (ArrayBuffer.isView(chunk)) chunks.push(new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)));
      else throw new TypeError('DigestStream accepts only strings, ArrayBuffers and ArrayBufferViews');
    },
    async close() {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.byteLength;
      }
      try {
        resolve(await call('digest', [algorithm, all]));
      } catch (err) {
        reject(err);
        throw err;
      }
    },
    abort(reason: unknown) {
      reject(reason);
    },
  });
  Object.setPrototypeOf(stream, DigestStream.prototype);
  Object.defineProperty(stream, 'digest', { value: digest, enumerable: true });
  return stream;
}

export const crypto = new Crypto(ILLEGAL);
Object.defineProperty(crypto, 'DigestStream', { value: DigestStream, writable: true, configurable: true, enumerable: false });
