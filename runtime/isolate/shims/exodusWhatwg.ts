/**
 * Stands in for `@exodus/bytes/whatwg.js` in the prelude bundle (see esbuild.mjs). whatwg-url only calls
 * percentEncodeAfterEncoding from the URL parser, whose encoding is always UTF-8 for the URL/URLSearchParams API
 * (legacy encodings are for HTML forms). The original pulls in ~400 KB of legacy multi-byte tables.
 */
import { utf8Encode } from '../encoding.ts';

const HEX = Array.from({ length: 256 }, (_, i) => '%' + i.toString(16).padStart(2, '0').toUpperCase());

export function percentEncodeAfterEncoding(encoding: string, input: string, percentEncodeSet: string, spaceAsPlus = false): string {
  if (String(encoding).toLowerCase() !== 'utf-8') throw new RangeError(`Unsupported encoding: ${encoding}`);
  let out = '';
  for (const b of utf8Encode(input)) {
    if (spaceAsPlus && b === 0x20) out += '+';
    else if (b < 0x20 || b > 0x7e || percentEncodeSet.includes(String.fromCharCode(b))) out += HEX[b];
    else out += String.fromCharCode(b);
  }
  return out;
}
