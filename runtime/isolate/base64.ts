/** atob/btoa (HTML Standard: forgiving-base64), throwing DOMException InvalidCharacterError like workerd. */
import { DOMException } from './domException.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const ATOB_ERROR = 'atob() called with invalid base64-encoded data. (Only whitespace, \'+\', \'/\', alphanumeric ASCII, and up to two terminal \'=\' signs when the input data length is divisible by 4 are allowed.)';
const BTOA_ERROR = 'btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range.';

export function atob(...args: unknown[]): string {
  if (args.length === 0) throw new TypeError("Failed to execute 'atob' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'String'.");
  let data = String(args[0]).replace(/[\t\n\f\r ]/g, '');
  if (data.length % 4 === 0) data = data.replace(/={1,2}$/, '');
  if (data.length % 4 === 1) throw new DOMException(ATOB_ERROR, 'InvalidCharacterError');
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    const value = code < 128 ? (LOOKUP[code] as number) : -1;
    if (value < 0) throw new DOMException(ATOB_ERROR, 'InvalidCharacterError');
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

export function btoa(...args: unknown[]): string {
  if (args.length === 0) throw new TypeError("Failed to execute 'btoa' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'String'.");
  const data = String(args[0]);
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const a = data.charCodeAt(i);
    const b = i + 1 < data.length ? data.charCodeAt(i + 1) : 0;
    const c = i + 2 < data.length ? data.charCodeAt(i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) throw new DOMException(BTOA_ERROR, 'InvalidCharacterError');
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[n >> 18] + (ALPHABET[(n >> 12) & 63] as string);
    out += i + 1 < data.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < data.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}
