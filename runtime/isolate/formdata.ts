/** `FormData`, its multipart/form-data serialization, and parsing multipart and urlencoded bodies (Body.formData()). */
import { Blob, File } from './blob.ts';
import { concatBytes, utf8Decode, utf8Encode } from './encoding.ts';

export type FormDataEntryValue = string | File;

function toEntry(name: unknown, value: unknown, filename: unknown, argc: number): [string, FormDataEntryValue] {
  if (value instanceof Blob) {
    const fileName = filename !== undefined ? String(filename) : value instanceof File ? value.name : 'blob';
    if (value instanceof File && filename === undefined) return [String(name), value];
    const lastModified = value instanceof File ? value.lastModified : undefined;
    return [String(name), new File([value], fileName, { type: value.type, ...(lastModified === undefined ? {} : { lastModified }) })];
  }
  if (argc > 2 && filename !== undefined) {
    throw new TypeError("Failed to execute 'append' on 'FormData': parameter 2 is not of type 'Blob'.");
  }
  return [String(name), String(value)];
}

export class FormData {
  #entries: [string, FormDataEntryValue][] = [];

  constructor(form?: unknown) {
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
  }
  append(name: string, value: string | Blob, filename?: string): void {
    this.#entries.push(toEntry(name, value, filename, arguments.length));
  }
  set(name: string, value: string | Blob, filename?: string): void {
    const entry = toEntry(name, value, filename, arguments.length);
    const index = this.#entries.findIndex(([n]) => n === entry[0]);
    if (index === -1) {
      this.#entries.push(entry);
      return;
    }
    this.#entries[index] = entry;
    this.#entries = this.#entries.filter(([n], i) => i <= index || n !== entry[0]);
  }
  get(name: string): FormDataEntryValue | null {
    const key = String(name);
    return this.#entries.find(([n]) => n === key)?.[1] ?? null;
  }
  getAll(name: string): FormDataEntryValue[] {
    const key = String(name);
    return this.#entries.filter(([n]) => n === key).map(([, v]) => v);
  }
  has(name: string): boolean {
    const key = String(name);
    return this.#entries.some(([n]) => n === key);
  }
  delete(name: string): void {
    const key = String(name);
    this.#entries = this.#entries.filter(([n]) => n !== key);
  }
  *entries(): IterableIterator<[string, FormDataEntryValue]> {
    for (let i = 0; i < this.#entries.length; i++) {
      const [name, value] = this.#entries[i] as [string, FormDataEntryValue];
      yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<FormDataEntryValue> {
    for (const [, value] of this.entries()) yield value;
  }
  forEach(callback: (value: FormDataEntryValue, name: string, parent: FormData) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }
  [Symbol.iterator](): IterableIterator<[string, FormDataEntryValue]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'FormData';
  }
}

const escapeName = (name: string) => name.replace(/\r\n|\r|\n/g, '\r\n').replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeFilename = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** multipart/form-data bytes for `form`, and the boundary used. */
export function serializeFormData(form: FormData): { bytes: Uint8Array; boundary: string } {
  let boundary = '';
  for (let i = 0; i < 4; i++) boundary += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  boundary = `----WorkerStudioFormBoundary${boundary}`;
  const parts: Uint8Array[] = [];
  for (const [name, value] of form) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === 'string') {
      parts.push(utf8Encode(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, '\r\n')}\r\n`));
    } else {
      head += `; filename="${escapeFilename(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
      parts.push(utf8Encode(head), value._bytes(), utf8Encode('\r\n'));
    }
  }
  parts.push(utf8Encode(`--${boundary}--\r\n`));
  return { bytes: concatBytes(parts), boundary };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first as number, from); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first as number, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The value of a `key=value` / `key="value"` parameter in a header. */
function param(header: string, key: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i').exec(header);
  if (!match) return null;
  // workerd takes a quoted value as it is: backslashes are not escapes.
  return match[1] !== undefined ? match[1] : (match[2] as string).trim();
}

const FORM_TYPES_ERROR =
  'Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded';

function parseMultipart(bytes: Uint8Array, boundary: string): FormData {
  const form = new FormData();
  const delimiter = utf8Encode(`--${boundary}`);
  let pos = indexOf(bytes, delimiter, 0);
  if (pos === -1) throw new TypeError('No initial boundary string (or you have a truncated message).');
  for (;;) {
    pos += delimiter.length;
    if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return form; // closing delimiter
    if (bytes[pos] === 0x0d && bytes[pos + 1] === 0x0a) pos += 2;
    const headerEnd = indexOf(bytes, utf8Encode('\r\n\r\n'), pos);
    if (headerEnd === -1) throw new TypeError('No subsequent header after boundary (or you have a truncated message).');
    const headers = utf8Decode(bytes.subarray(pos, headerEnd)).split('\r\n');
    const next = indexOf(bytes, utf8Encode(`\r\n--${boundary}`), headerEnd + 4);
    if (next === -1) throw new TypeError('No subsequent boundary string after part (or you have a truncated message).');
    const body = bytes.subarray(headerEnd + 4, next);
    let disposition = '';
    let type = '';
    for (const line of headers) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') disposition = value;
      else if (key === 'content-type') type = value;
    }
    const name = param(disposition, 'name');
    if (name === null) throw new TypeError('Invalid Content-Disposition header value: missing name.');
    const filename = param(disposition, 'filename');
    // An empty filename makes a string entry in workerd.
    if (filename === null || filename === '') form.append(name, utf8Decode(body));
    else form.append(name, new File([body], filename, { type }));
    pos = next + 2;
  }
}

const isHex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66));

/** One urlencoded name or value: '+' is a space, %XX a byte, and (unlike URLSearchParams, as workerd) a '%' not followed by two hex digits is dropped. */
function decodeFormComponent(bytes: Uint8Array): string {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x2b) out.push(0x20);
    else if (b !== 0x25) out.push(b);
    else if (isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1] as number, bytes[i + 2] as number), 16));
      i += 2;
    }
  }
  return utf8Decode(Uint8Array.from(out));
}

/** application/x-www-form-urlencoded bytes → name/value pairs (empty sequences between '&' skipped). */
function parseUrlencoded(bytes: Uint8Array): [string, string][] {
  const pairs: [string, string][] = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26, start);
    if (end === -1) end = bytes.length;
    if (end > start) {
      const part = bytes.subarray(start, end);
      const eq = part.indexOf(0x3d);
      pairs.push(eq === -1 ? [decodeFormComponent(part), ''] : [decodeFormComponent(part.subarray(0, eq)), decodeFormComponent(part.subarray(eq + 1))]);
    }
    start = end + 1;
  }
  return pairs;
}

/** Body.formData(): parse `bytes` as the Content-Type says. */
export function parseFormData(bytes: Uint8Array, contentType: string | null): FormData {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (essence === 'multipart/form-data') {
    const boundary = param(contentType as string, 'boundary');
    if (!boundary) throw new TypeError('No boundary string in Content-Type header. The multipart/form-data MIME type requires a boundary parameter.');
    return parseMultipart(bytes, boundary);
  }
  if (essence === 'application/x-www-form-urlencoded') {
    const form = new FormData();
    for (const [name, value] of parseUrlencoded(bytes)) form.append(name, value);
    return form;
  }
  throw new TypeError(FORM_TYPES_ERROR);
}
