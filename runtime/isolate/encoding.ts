/** UTF-8 TextEncoder/TextDecoder (the only encoding Workers code needs in practice). */

export function utf8Encode(input: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const d = input.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    // Lone surrogates become U+FFFD, as USVString conversion requires.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}

/** Decodes UTF-8 with replacement characters (WHATWG decoder, maximal-subpart replacement); `fatal` throws instead. */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  let out = '';
  let chunk: number[] = [];
  const flush = () => {
    out += String.fromCharCode(...chunk);
    chunk = [];
  };
  const push = (cp: number) => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else chunk.push(cp);
    if (chunk.length > 8192) flush();
  };
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-8');
    push(0xfffd);
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      push(b);
      i++;
      continue;
    }
    let needed = 0;
    let cp = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      needed = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
      needed = 2;
      cp = b & 0xf;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
      needed = 3;
      cp = b & 0x7;
    } else {
      bad();
      i++;
      continue;
    }
    let j = 1;
    for (; j <= needed; j++) {
      const next = bytes[i + j];
      if (next === undefined || next < lower || next > upper) break;
      cp = (cp << 6) | (next & 0x3f);
      lower = 0x80;
      upper = 0xbf;
    }
    if (j <= needed) {
      bad();
      i += j;
      continue;
    }
    push(cp);
    i += needed + 1;
  }
  flush();
  return out;
}

export class TextEncoder {
  get encoding(): string {
    return 'utf-8';
  }
  encode(input = ''): Uint8Array {
    return utf8Encode(String(input));
  }
  encodeInto(input: string, destination: Uint8Array): { read: number; written: number } {
    let read = 0;
    let written = 0;
    for (const ch of String(input)) {
      const bytes = utf8Encode(ch);
      if (written + bytes.length > destination.length) break;
      destination.set(bytes, written);
      written += bytes.length;
      read += ch.length;
    }
    return { read, written };
  }
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

export function toBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The provided value is not of type (ArrayBuffer or ArrayBufferView)');
}

export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #pending: Uint8Array = new Uint8Array(0);
  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!UTF8_LABELS.has(String(label).trim().toLowerCase())) throw new RangeError(`The "${label}" encoding is not supported`);
    this.#fatal = Boolean(options.fatal);
    this.#ignoreBOM = Boolean(options.ignoreBOM);
  }
  get encoding(): string {
    return 'utf-8';
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  decode(input?: unknown, options: { stream?: boolean } = {}): string {
    let bytes = input === undefined ? new Uint8Array(0) : toBytes(input);
    if (this.#pending.length) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = new Uint8Array(0);
    }
    if (options.stream) {
      // Keep an incomplete trailing sequence for the next call.
      let start = bytes.length;
      for (let k = 1; k <= 3 && bytes.length - k >= 0; k++) {
        const b = bytes[bytes.length - k] as number;
        if ((b & 0xc0) !== 0x80) {
          const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
          if (len > k) start = bytes.length - k;
          break;
        }
      }
      this.#pending = bytes.slice(start);
      bytes = bytes.subarray(0, start);
    }
    let text = utf8Decode(bytes, this.#fatal);
    if (!this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  }
}
