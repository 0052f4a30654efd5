/** TextEncoder (UTF-8) and TextDecoder (utf-8, utf-16le/be, windows-1252 and its latin1/ascii labels, iso-8859-2, x-user-defined). */

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
    if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
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

export function toBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The provided value is not of type (ArrayBuffer or ArrayBufferView)');
}

/** Encoding labels (WHATWG Encoding Standard) for the encodings implemented here; workerd also has the legacy CJK and ISO-8859-x ones. */
const LABELS: Record<string, string> = {};
for (const [name, labels] of [
  ['utf-8', 'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8'],
  ['utf-16le', 'csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le'],
  ['utf-16be', 'unicodefffe utf-16be'],
  ['windows-1252', 'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252'],
  ['iso-8859-2', 'csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2'],
  ['x-user-defined', 'x-user-defined'],
] as const) {
  for (const label of labels.split(' ')) LABELS[label] = name;
}

// windows-1252 bytes 0x80..0x9F (the rest map to the same code point).
const WINDOWS_1252 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

// iso-8859-2 bytes 0xA0..0xFF (0x00..0x9F map to the same code point).
const ISO_8859_2 = [
  0xa0, 0x104, 0x2d8, 0x141, 0xa4, 0x13d, 0x15a, 0xa7, 0xa8, 0x160, 0x15e, 0x164, 0x179, 0xad, 0x17d, 0x17b,
  0xb0, 0x105, 0x2db, 0x142, 0xb4, 0x13e, 0x15b, 0x2c7, 0xb8, 0x161, 0x15f, 0x165, 0x17a, 0x2dd, 0x17e, 0x17c,
  0x154, 0xc1, 0xc2, 0x102, 0xc4, 0x139, 0x106, 0xc7, 0x10c, 0xc9, 0x118, 0xcb, 0x11a, 0xcd, 0xce, 0x10e,
  0x110, 0x143, 0x147, 0xd3, 0xd4, 0x150, 0xd6, 0xd7, 0x158, 0x16e, 0xda, 0x170, 0xdc, 0xdd, 0x162, 0xdf,
  0x155, 0xe1, 0xe2, 0x103, 0xe4, 0x13a, 0x107, 0xe7, 0x10d, 0xe9, 0x119, 0xeb, 0x11b, 0xed, 0xee, 0x10f,
  0x111, 0x144, 0x148, 0xf3, 0xf4, 0x151, 0xf6, 0xf7, 0x159, 0x16f, 0xfa, 0x171, 0xfc, 0xfd, 0x163, 0x2d9,
];

function fromCodeUnits(units: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...Array.prototype.slice.call(units, i, i + 8192));
  return out;
}

function decodeFatal(): TypeError {
  return new TypeError('Failed to decode input.');
}

/** UTF-16 (le or be) with replacement of lone surrogates; returns the text and how many trailing bytes to keep. */
function utf16Decode(bytes: Uint8Array, bigEndian: boolean, fatal: boolean, stream: boolean): { text: string; rest: number } {
  const units: number[] = [];
  const evenLength = bytes.length & ~1;
  for (let i = 0; i < evenLength; i += 2) units.push(bigEndian ? ((bytes[i] as number) << 8) | (bytes[i + 1] as number) : (bytes[i] as number) | ((bytes[i + 1] as number) << 8));
  let rest = bytes.length - evenLength;
  // A trailing lead surrogate may be completed by the next chunk.
  if (stream && units.length && (units[units.length - 1] as number) >= 0xd800 && (units[units.length - 1] as number) <= 0xdbff) {
    units.pop();
    rest += 2;
  }
  const endsWithLead = units.length > 0 && (units[units.length - 1] as number) >= 0xd800 && (units[units.length - 1] as number) <= 0xdbff;
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as number;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[i + 1];
      if (next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    } else if (u < 0xdc00 || u > 0xdfff) continue;
    if (fatal) throw decodeFatal();
    units[i] = 0xfffd;
  }
  if (!stream && rest > 0) {
    if (fatal) throw decodeFatal();
    // A lone lead surrogate and the odd byte after it at the end make one error, not two.
    if (!endsWithLead) units.push(0xfffd);
    rest = 0;
  }
  return { text: fromCodeUnits(units), rest };
}

export class TextDecoder {
  readonly #encoding: string;
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #pending: Uint8Array = new Uint8Array(0);
  #bomSeen = false;
  #streaming = false;
  constructor(label: unknown = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const encoding = LABELS[String(label).trim().toLowerCase()];
    if (!encoding) throw new RangeError(`"${String(label)}" is not a valid encoding.`);
    this.#encoding = encoding;
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }
  get encoding(): string {
    return this.#encoding;
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  decode(input?: unknown, options: { stream?: boolean } = {}): string {
    if (input !== undefined && !(input instanceof ArrayBuffer) && !ArrayBuffer.isView(input)) {
      throw new TypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'Array'.");
    }
    const stream = Boolean(options?.stream);
    // A new stream starts after a call that was not streaming: the BOM may appear again.
    if (!this.#streaming) this.#bomSeen = false;
    this.#streaming = stream;
    let bytes = input === undefined ? new Uint8Array(0) : toBytes(input);
    if (this.#pending.length) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = new Uint8Array(0);
    }
    let text: string;
    if (this.#encoding === 'utf-8') {
      if (stream) {
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
      try {
        text = utf8Decode(bytes, this.#fatal);
      } catch {
        throw decodeFatal();
      }
    } else if (this.#encoding === 'utf-16le' || this.#encoding === 'utf-16be') {
      const result = utf16Decode(bytes, this.#encoding === 'utf-16be', this.#fatal, stream);
      if (result.rest) this.#pending = bytes.slice(bytes.length - result.rest);
      text = result.text;
    } else if (this.#encoding === 'windows-1252') {
      text = fromCodeUnits(Array.from(bytes, (b) => (b >= 0x80 && b < 0xa0 ? (WINDOWS_1252[b - 0x80] as number) : b)));
    } else if (this.#encoding === 'iso-8859-2') {
      text = fromCodeUnits(Array.from(bytes, (b) => (b >= 0xa0 ? (ISO_8859_2[b - 0xa0] as number) : b)));
    } else {
      text = fromCodeUnits(Array.from(bytes, (b) => (b < 0x80 ? b : 0xf780 + b - 0x80)));
    }
    if (!this.#ignoreBOM && !this.#bomSeen && text.length > 0) {
      this.#bomSeen = true;
      if (text.charCodeAt(0) === 0xfeff && (this.#encoding === 'utf-8' || this.#encoding.startsWith('utf-16'))) text = text.slice(1);
    }
    return text;
  }
  get [Symbol.toStringTag](): string {
    return 'TextDecoder';
  }
}

/** One Uint8Array holding all `parts` in order. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
