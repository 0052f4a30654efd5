/** Fetch `Headers`: case-insensitive, ordered, combined on read, `set-cookie` kept apart (getSetCookie). */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normalizeName(name: unknown): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Invalid header name: "${text}"`);
  return text.toLowerCase();
}

function normalizeValue(value: unknown): string {
  // Strip leading/trailing HTTP whitespace; reject what would break the header line.
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\0\r\n]/.test(text)) throw new TypeError(`Invalid header value: "${text}"`);
  return text;
}

export type HeadersInit = Headers | Iterable<Iterable<string>> | Record<string, string>;

export class Headers {
  #list: [string, string][] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      this.#list = init.#list.map(([k, v]) => [k, v]);
    } else if (typeof init === 'object' && Symbol.iterator in init) {
      for (const pair of init as Iterable<Iterable<string>>) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError('Headers init pairs must have exactly two items');
        this.append(items[0] as string, items[1] as string);
      }
    } else if (typeof init === 'object') {
      for (const [k, v] of Object.entries(init)) this.append(k, v);
    } else {
      throw new TypeError('Headers init must be an object or an iterable of pairs');
    }
  }

  append(name: string, value: string): void {
    this.#list.push([normalizeName(name), normalizeValue(value)]);
  }
  delete(name: string): void {
    const key = normalizeName(name);
    this.#list = this.#list.filter(([k]) => k !== key);
  }
  get(name: string): string | null {
    const key = normalizeName(name);
    const values = this.#list.filter(([k]) => k === key).map(([, v]) => v);
    return values.length ? values.join(', ') : null;
  }
  getAll(name: string): string[] {
    // Cloudflare's extension, only meaningful for set-cookie.
    const key = normalizeName(name);
    if (key !== 'set-cookie') throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
    return this.getSetCookie();
  }
  getSetCookie(): string[] {
    return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
  }
  has(name: string): boolean {
    const key = normalizeName(name);
    return this.#list.some(([k]) => k === key);
  }
  set(name: string, value: string): void {
    const key = normalizeName(name);
    const normalized = normalizeValue(value);
    const index = this.#list.findIndex(([k]) => k === key);
    if (index < 0) this.#list.push([key, normalized]);
    else {
      this.#list[index] = [key, normalized];
      this.#list = this.#list.filter(([k], i) => i <= index || k !== key);
    }
  }
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }
  /** Sorted by name, values combined, except one entry per set-cookie (the Fetch standard's "sort and combine"). */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const cookie of this.getSetCookie()) yield [name, cookie];
      else yield [name, this.get(name) as string];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
