/**
 * The Fetch "Body" part shared by Request and Response. Bodies are held as bytes: this skeleton has no streams yet,
 * so `body` (a ReadableStream) is not provided; text()/json()/arrayBuffer()/bytes() and bodyUsed are.
 */
import { toBytes, utf8Decode, utf8Encode } from './encoding.ts';
import { URLSearchParams } from './url.ts';

export type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | null | undefined;

export interface ExtractedBody {
  bytes: Uint8Array | null;
  contentType: string | null;
}

/** The standard's "extract a body": bytes plus the default Content-Type for the kind of value. */
export function extractBody(init: BodyInit): ExtractedBody {
  if (init === null || init === undefined) return { bytes: null, contentType: null };
  if (typeof init === 'string') return { bytes: utf8Encode(init), contentType: 'text/plain;charset=UTF-8' };
  if (init instanceof URLSearchParams) return { bytes: utf8Encode(init.toString()), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) return { bytes: toBytes(init).slice(), contentType: null };
  // Anything else is stringified, as WebIDL's USVString fallback does.
  return { bytes: utf8Encode(String(init)), contentType: 'text/plain;charset=UTF-8' };
}

export class Body {
  #bytes: Uint8Array | null;
  #used = false;

  constructor(bytes: Uint8Array | null) {
    this.#bytes = bytes;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** Internal: the bytes without consuming them (clone, handing the response to the host). */
  _peekBytes(): Uint8Array | null {
    return this.#bytes;
  }

  #consume(): Uint8Array {
    if (this.#used) throw new TypeError('Body has already been used. It can only be used once.');
    this.#used = true;
    return this.#bytes ?? new Uint8Array(0);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#consume();
    return bytes.slice().buffer as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return this.#consume().slice();
  }
  async text(): Promise<string> {
    return utf8Decode(this.#consume());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
