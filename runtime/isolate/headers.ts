/** Fetch `Headers`: case-insensitive, ordered, combined on read, `set-cookie` kept apart (getSetCookie). */
import { isObject } from './webidl.ts';

// workerd only refuses ASCII characters that are not token characters: the empty name and non-ASCII names pass.
const NOT_TOKEN = /[^!#$%&'*+\-.^_`|~0-9A-Za-z\u0080-\uffff]/;

function normalizeName(name: unknown): string {
  const text = String(name);
  if (NOT_TOKEN.test(text)) throw new TypeError('Invalid header name.');
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function normalizeValue(value: unknown): string {
  // Strip leading/trailing HTTP whitespace; reject what would break the header line.
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\0\r\n]/.test(text)) throw new TypeError('Invalid header value.');
  return text;
}

export type HeadersInit = Headers | Iterable<Iterable<string>> | Record<string, string>;

/** The `headers` member of a Response/Request init, type-checked the way workerd converts its init dictionary. */
export function checkHeadersMember(headers: unknown, dictionary: 'InitializerDict' | 'RequestInitializerDict'): void {
  if (headers !== undefined && !isObject(headers)) {
    throw new TypeError(`Incorrect type for the 'headers' field on '${dictionary}': the provided value is not of type 'Headers or Sequence or object'.`);
  }
}

type IteratorKind = 'Entry' | 'Key' | 'Value';

/** What entries()/keys()/values() return: workerd's `EntryIterator`/`KeyIterator`/`ValueIterator`. */
class HeadersIterator<T> {
  readonly #source: Iterator<[string, string]>;
  readonly #kind: IteratorKind;
  constructor(source: Iterator<[string, string]>, kind: IteratorKind) {
    this.#source = source;
    this.#kind = kind;
  }
  next(): IteratorResult<T, undefined> {
    const step = this.#source.next();
    if (step.done) return { done: true, value: undefined };
    const [k, v] = step.value;
    return { done: false, value: (this.#kind === 'Entry' ? [k, v] : this.#kind === 'Key' ? k : v) as T };
  }
  [Symbol.iterator](): this {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return `${this.#kind}Iterator`;
  }
}

// Like the built-in iterators, these inherit %IteratorPrototype% (and so its helpers: map, toArray...).
Object.setPrototypeOf(HeadersIterator.prototype, Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object);

const immutable = new WeakSet<Headers>();

/** Internal: the guard "immutable" (an incoming request's headers, Response.redirect()'s): mutators then throw. */
export function makeHeadersImmutable(headers: Headers): Headers {
  immutable.add(headers);
  return headers;
}

function checkMutable(headers: Headers): void {
  if (immutable.has(headers)) throw new TypeError("Can't modify immutable headers.");
}

export class Headers {
  #list: [string, string][] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (init instanceof Headers) {
      this.#list = init.#list.map(([k, v]) => [k, v]);
    } else if (!isObject(init)) {
      throw new TypeError("Failed to construct 'Headers': constructor parameter 1 is not of type 'Headers or Sequence or object'.");
    } else if (Symbol.iterator in init) {
      for (const pair of init as Iterable<Iterable<string>>) {
        // A string is iterable but not a sequence to WebIDL.
        if (!isObject(pair) || !(Symbol.iterator in pair)) throw new TypeError("Incorrect type: the provided value is not of type 'Sequence'.");
        const items = [...pair];
        if (items.length !== 2) {
          throw new TypeError('To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.');
        }
        this.append(items[0] as string, items[1] as string);
      }
    } else {
      for (const [k, v] of Object.entries(init)) this.append(k, v);
    }
  }

  append(name: string, value: string): void {
    checkMutable(this);
    this.#list.push([normalizeName(name), normalizeValue(value)]);
  }
  delete(name: string): void {
    checkMutable(this);
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
    checkMutable(this);
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
  *#pairs(): Generator<[string, string]> {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const cookie of this.getSetCookie()) yield [name, cookie];
      else yield [name, this.get(name) as string];
    }
  }
  entries(): IterableIterator<[string, string]> {
    return new HeadersIterator<[string, string]>(this.#pairs(), 'Entry');
  }
  keys(): IterableIterator<string> {
    return new HeadersIterator<string>(this.#pairs(), 'Key');
  }
  values(): IterableIterator<string> {
    return new HeadersIterator<string>(this.#pairs(), 'Value');
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
