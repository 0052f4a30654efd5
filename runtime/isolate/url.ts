/**
 * URL and URLSearchParams: whatwg-url (jsdom's reference implementation of the WHATWG URL Standard, with tr46 for
 * IDNA/UTS #46 hosts), bundled into the prelude. workerd's parser (ada, `url_standard`) follows the same standard;
 * test/runtime/platform-parity.test.ts compares the two on odd inputs. The only difference seen is the error message,
 * which this subclass aligns ("Invalid URL string.").
 */
/// <reference path="./whatwg-url.d.ts" />
import { URL as WhatwgURL, URLSearchParams } from 'whatwg-url';
import urlencoded from 'whatwg-url/lib/urlencoded.js';
import { utf8Encode } from './encoding.ts';

export class URL extends WhatwgURL {
  constructor(url: string | URL, base?: string | URL) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'URL': constructor parameter 1 is not of type 'USVString'.");
    try {
      if (arguments.length < 2) super(url);
      else super(url, base);
    } catch (err) {
      if (err instanceof TypeError && /^Invalid (URL|base URL)/.test(err.message)) throw new TypeError('Invalid URL string.');
      throw err;
    }
  }
  // whatwg-url's own parse() would build an instance of the base class.
  static override parse(url: string | URL, base?: string | URL): URL | null {
    try {
      return base === undefined ? new URL(url) : new URL(url, base);
    } catch {
      return null;
    }
  }
}
Object.defineProperty(URL, 'name', { value: 'URL' });

export { URLSearchParams };

/*
 * application/x-www-form-urlencoded, as workerd: a name or value whose percent-decoded bytes are not valid UTF-8 reads
 * as the lossy decoding (U+FFFD), but serialises back to its original bytes (`%FF` stays `%FF`, not `%EF%BF%BD`) until
 * it is replaced. whatwg-url's URLSearchParams calls these through its module's exports, so they are swapped there.
 */
const originalParse = urlencoded.parseUrlencodedString;
/** Per tuple: the original bytes of a name ([0]) or value ([1]) that did not decode, with the string they decoded to. */
const rawBytes = new WeakMap<[string, string], [[string, Uint8Array] | null, [string, Uint8Array] | null]>();

function percentDecode(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  const hex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1] as number, bytes[i + 2] as number), 16));
      i += 2;
    } else out.push(b === 0x2b ? 0x20 : b);
  }
  return new Uint8Array(out);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function serializeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x20) out += '+';
    else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f) out += String.fromCharCode(b);
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

urlencoded.parseUrlencodedString = (input: string) => {
  const tuples = originalParse(input);
  const sequences = String(input).split('&').filter((sequence) => sequence.length > 0);
  sequences.forEach((sequence, i) => {
    const tuple = tuples[i];
    if (!tuple) return;
    const eq = sequence.indexOf('=');
    const parts = eq >= 0 ? [sequence.slice(0, eq), sequence.slice(eq + 1)] : [sequence, ''];
    const raw = parts.map((part, j) => {
      const bytes = percentDecode(utf8Encode(part));
      return sameBytes(bytes, utf8Encode(tuple[j] as string)) ? null : ([tuple[j] as string, bytes] as [string, Uint8Array]);
    });
    if (raw[0] || raw[1]) rawBytes.set(tuple, [raw[0] ?? null, raw[1] ?? null]);
  });
  return tuples;
};

urlencoded.serializeUrlencoded = (tuples: [string, string][]) =>
  tuples
    .map((tuple) => {
      const raw = rawBytes.get(tuple);
      const part = (j: 0 | 1) => {
        const kept = raw?.[j];
        return serializeBytes(kept && kept[0] === tuple[j] ? kept[1] : utf8Encode(tuple[j]));
      };
      return `${part(0)}=${part(1)}`;
    })
    .join('&');
