// Types for the parts of whatwg-url (no bundled types, no @types package installed) the prelude uses.
declare module 'whatwg-url' {
  export class URLSearchParams {
    constructor(init?: string | URLSearchParams | Record<string, string> | Iterable<readonly [string, string]> | unknown);
    readonly size: number;
    append(name: string, value: string): void;
    delete(name: string, value?: string): void;
    get(name: string): string | null;
    getAll(name: string): string[];
    has(name: string, value?: string): boolean;
    set(name: string, value: string): void;
    sort(): void;
    forEach(callback: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void;
    entries(): IterableIterator<[string, string]>;
    keys(): IterableIterator<string>;
    values(): IterableIterator<string>;
    [Symbol.iterator](): IterableIterator<[string, string]>;
    toString(): string;
  }
  export class URL {
    constructor(url: string | URL, base?: string | URL);
    static canParse(url: string | URL, base?: string | URL): boolean;
    static parse(url: string | URL, base?: string | URL): URL | null;
    href: string;
    readonly origin: string;
    protocol: string;
    username: string;
    password: string;
    host: string;
    hostname: string;
    port: string;
    pathname: string;
    search: string;
    readonly searchParams: URLSearchParams;
    hash: string;
    toString(): string;
    toJSON(): string;
  }
}
// Its application/x-www-form-urlencoded parser and serializer (url.ts replaces both to keep undecodable bytes).
declare module 'whatwg-url/lib/urlencoded.js' {
  const urlencoded: {
    parseUrlencodedString(input: string): [string, string][];
    serializeUrlencoded(tuples: [string, string][]): string;
  };
  export default urlencoded;
}
