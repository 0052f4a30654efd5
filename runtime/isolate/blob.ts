/** `Blob` and `File` (File API), held as bytes. */
import { concatBytes, toBytes, utf8Decode, utf8Encode } from './encoding.ts';
import { streamOfBytes, type ReadableStream } from './streams.ts';

export type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

export interface BlobPropertyBag {
  type?: string;
  endings?: string;
}

/** A type with any character outside U+0020..U+007E becomes the empty string; otherwise lowercased. */
function normalizeType(type: unknown): string {
  const text = type === undefined ? '' : String(type);
  return /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : '';
}


export class Blob {
  #bytes: Uint8Array;
  #type: string;

  constructor(parts: Iterable<BlobPart> = [], options: BlobPropertyBag = {}) {
    if (parts === null || typeof parts !== 'object' || typeof (parts as Iterable<BlobPart>)[Symbol.iterator] !== 'function') {
      throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
    }
    const chunks: Uint8Array[] = [];
    for (const part of parts) {
      if (part instanceof Blob) chunks.push(part.#bytes);
      else if (part instanceof ArrayBuffer || ArrayBuffer.isView(part)) chunks.push(toBytes(part).slice());
      else chunks.push(utf8Encode(String(part)));
    }
    this.#bytes = concatBytes(chunks);
    this.#type = normalizeType(options?.type);
  }

  /** Internal: a Blob over existing bytes (not copied). */
  static _fromBytes(bytes: Uint8Array, type: string): Blob {
    const blob = new Blob();
    blob.#bytes = bytes;
    blob.#type = normalizeType(type);
    return blob;
  }
  /** Internal: the bytes, not copied. */
  _bytes(): Uint8Array {
    return this.#bytes;
  }

  get size(): number {
    return this.#bytes.byteLength;
  }
  get type(): string {
    return this.#type;
  }
  slice(start?: number, end?: number, contentType?: string): Blob {
    const size = this.size;
    const clamp = (value: number | undefined, fallback: number) => {
      if (value === undefined) return fallback;
      const n = Math.trunc(Number(value)) || 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const from = clamp(start, 0);
    const to = clamp(end, size);
    return Blob._fromBytes(this.#bytes.slice(from, Math.max(from, to)), contentType === undefined ? '' : contentType);
  }
  async text(): Promise<string> {
    return utf8Decode(this.#bytes);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#bytes.slice().buffer as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return this.#bytes.slice();
  }
  stream(): ReadableStream<Uint8Array> {
    return streamOfBytes(this.#bytes);
  }
  get [Symbol.toStringTag](): string {
    return 'Blob';
  }
}

export interface FilePropertyBag extends BlobPropertyBag {
  lastModified?: number;
}

export class File extends Blob {
  readonly #name: string;
  readonly #lastModified: number;
  constructor(parts: Iterable<BlobPart>, name: string, options: FilePropertyBag = {}) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required, but only " + arguments.length + ' present.');
    super(parts, options);
    this.#name = String(name);
    this.#lastModified = options?.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified)) || 0;
  }
  get name(): string {
    return this.#name;
  }
  get lastModified(): number {
    return this.#lastModified;
  }
  override get [Symbol.toStringTag](): string {
    return 'File';
  }
}
