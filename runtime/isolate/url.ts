/**
 * URL and URLSearchParams after the WHATWG URL Standard, compact: special schemes (http, https, ws, wss, ftp, file)
 * with authority, dot-segment and percent-encoding rules, relative resolution, and opaque paths for other schemes.
 * Not covered: IDNA/punycode hosts, IPv4 number normalisation (`http://0x7f.1/`). A later step may swap in whatwg-url.
 */
import { utf8Decode, utf8Encode } from './encoding.ts';

const SPECIAL_PORTS: Record<string, number | null> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21, 'file:': null };

const isC0 = (c: number) => c < 0x20 || c > 0x7e;
const FRAGMENT = (c: number) => isC0(c) || ' "<>`'.includes(String.fromCharCode(c));
const QUERY = (c: number) => isC0(c) || ' "#<>'.includes(String.fromCharCode(c));
const SPECIAL_QUERY = (c: number) => QUERY(c) || c === 0x27;
const PATH = (c: number) => QUERY(c) || '?`{}^'.includes(String.fromCharCode(c));
const USERINFO = (c: number) => PATH(c) || '/:;=@[\\]|'.includes(String.fromCharCode(c));
const FORM = (c: number) => !/[*\-._0-9A-Za-z]/.test(String.fromCharCode(c));

const hex = (b: number) => '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();

function percentEncode(input: string, inSet: (c: number) => boolean, spaceAsPlus = false): string {
  let out = '';
  for (const ch of input) {
    const code = ch.codePointAt(0) as number;
    if (spaceAsPlus && code === 0x20) out += '+';
    else if (code < 0x80 && !inSet(code)) out += ch;
    else for (const b of utf8Encode(ch)) out += inSet(b) || b >= 0x80 ? hex(b) : String.fromCharCode(b);
  }
  return out;
}

function percentDecode(input: string): string {
  const bytes = utf8Encode(input);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = String.fromCharCode(bytes[i + 1] as number, bytes[i + 2] as number);
      if (/^[0-9a-fA-F]{2}$/.test(h)) {
        out.push(parseInt(h, 16));
        i += 2;
        continue;
      }
    }
    out.push(b);
  }
  return utf8Decode(new Uint8Array(out));
}

interface UrlRecord {
  protocol: string; // with the trailing ':'
  username: string;
  password: string;
  host: string | null; // serialized host (lower-case, [v6] bracketed), null when there is no authority
  port: string; // '' when default or absent
  path: string[] | string; // segments for hierarchical URLs, a string for opaque paths
  query: string | null; // without '?'
  fragment: string | null; // without '#'
}

function invalid(input: string): TypeError {
  return new TypeError(`Invalid URL: ${input}`);
}

function parseHost(input: string, special: boolean, original: string): string {
  if (input.startsWith('[')) {
    if (!input.endsWith(']') || !/^\[[0-9a-fA-F:.]+\]$/.test(input)) throw invalid(original);
    return input.toLowerCase();
  }
  if (!special) {
    if (/[\0\t\n\r #/<>?@[\\\]^|]/.test(input)) throw invalid(original);
    return percentEncode(input, isC0);
  }
  const host = percentDecode(input).toLowerCase();
  if (host === '' || /[\0\t\n\r #%/:<>?@[\\\]^|\x7f]/.test(host) || /[\x00-\x1f]/.test(host)) throw invalid(original);
  return host;
}

function resolveSegments(base: string[], input: string, special: boolean): string[] {
  const segments = [...base];
  const parts = input.split(special ? /[/\\]/ : '/');
  parts.forEach((raw, index) => {
    const last = index === parts.length - 1;
    const lower = raw.toLowerCase();
    if (lower === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e') {
      segments.pop();
      if (last) segments.push('');
    } else if (lower === '.' || lower === '%2e') {
      if (last) segments.push('');
    } else {
      segments.push(percentEncode(raw, PATH));
    }
  });
  return segments;
}

function parse(rawInput: string, base?: UrlRecord): UrlRecord {
  const input = rawInput.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
  let rest = input;
  const record: UrlRecord = { protocol: '', username: '', password: '', host: null, port: '', path: [], query: null, fragment: null };
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) {
    record.fragment = percentEncode(rest.slice(hashAt + 1), FRAGMENT);
    rest = rest.slice(0, hashAt);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (scheme) {
    record.protocol = (scheme[1] as string).toLowerCase() + ':';
    rest = rest.slice(scheme[0].length);
  } else {
    if (!base) throw invalid(rawInput);
    record.protocol = base.protocol;
  }
  const special = record.protocol in SPECIAL_PORTS;
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    record.query = percentEncode(rest.slice(queryAt + 1), special ? SPECIAL_QUERY : QUERY);
    rest = rest.slice(0, queryAt);
  }
  const sameSchemeBase = base && base.protocol === record.protocol ? base : undefined;
  // A special URL without slashes after a matching scheme (`http:foo`) is relative to a same-scheme base.
  const hasAuthority = special ? /^[/\\]{2}/.test(rest) || (scheme !== null && !sameSchemeBase && record.protocol !== 'file:') : rest.startsWith('//');
  if (hasAuthority || (record.protocol === 'file:' && /^[/\\]{2}/.test(rest))) {
    // Special schemes take any number of (back)slashes before the host; file: and the others exactly two.
    rest = rest.replace(record.protocol === 'file:' ? /^[/\\]{2}/ : special ? /^[/\\]*/ : /^\/\//, '');
    const end = rest.search(special ? /[/\\]/ : /\//);
    const authority = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    let hostPort = authority;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      hostPort = authority.slice(at + 1);
      const colon = userinfo.indexOf(':');
      record.username = percentEncode(colon < 0 ? userinfo : userinfo.slice(0, colon), USERINFO);
      record.password = colon < 0 ? '' : percentEncode(userinfo.slice(colon + 1), USERINFO);
    }
    const portMatch = /:(\d*)$/.exec(hostPort.includes(']') ? hostPort.slice(hostPort.indexOf(']')) : hostPort);
    if (portMatch) {
      hostPort = hostPort.slice(0, hostPort.length - portMatch[0].length);
      if (portMatch[1] !== '') {
        const port = Number(portMatch[1]);
        if (port > 65535) throw invalid(rawInput);
        record.port = port === SPECIAL_PORTS[record.protocol] ? '' : String(port);
      }
    } else if (/:[^\]]*$/.test(hostPort) && !hostPort.endsWith(']')) {
      throw invalid(rawInput);
    }
    if (record.protocol === 'file:') record.host = hostPort === '' || hostPort.toLowerCase() === 'localhost' ? '' : parseHost(hostPort, true, rawInput);
    else if (hostPort === '' && special) throw invalid(rawInput);
    else record.host = hostPort === '' ? '' : parseHost(hostPort, special, rawInput);
    record.path = rest === '' ? (special ? [''] : []) : resolveSegments([], rest.slice(1), special);
    return record;
  }
  if (!scheme || sameSchemeBase) {
    const b = sameSchemeBase ?? base;
    if (!b) throw invalid(rawInput);
    if (typeof b.path === 'string') {
      // Only a fragment may be resolved against an opaque-path base (`mailto:x` + `#y`).
      if (rest !== '' || record.query !== null || scheme) throw invalid(rawInput);
      return { ...b, fragment: record.fragment };
    }
    record.username = b.username;
    record.password = b.password;
    record.host = b.host;
    record.port = b.port;
    if (rest === '') {
      record.path = [...b.path];
      if (queryAt < 0) record.query = b.query;
    } else if (/^[/\\]/.test(rest) && (special || rest.startsWith('/'))) {
      record.path = resolveSegments([], rest.slice(1), special);
    } else {
      record.path = resolveSegments(b.path.slice(0, -1), rest, special);
    }
    return record;
  }
  if (special) {
    record.path = resolveSegments([], rest.replace(/^[/\\]/, ''), true);
    return record;
  }
  if (rest.startsWith('/')) record.path = resolveSegments([], rest.slice(1), false);
  else record.path = percentEncode(rest, isC0);
  return record;
}

function serializePath(record: UrlRecord): string {
  if (typeof record.path === 'string') return record.path;
  // A path starting with an empty segment and no host would read as an authority: `web+demo:/.//not-a-host/`.
  const prefix = record.host === null && record.path.length > 1 && record.path[0] === '' ? '/.' : '';
  return prefix + record.path.map((s) => '/' + s).join('');
}

export class URLSearchParams {
  #list: [string, string][] = [];
  #onChange: (() => void) | undefined;

  constructor(init: unknown = '') {
    if (typeof init === 'object' && init !== null) {
      if (init instanceof URLSearchParams) this.#list = [...init.#list];
      else if (Symbol.iterator in init) {
        for (const pair of init as Iterable<unknown>) {
          const items = [...(pair as Iterable<unknown>)];
          if (items.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          this.#list.push([String(items[0]), String(items[1])]);
        }
      } else for (const [k, v] of Object.entries(init)) this.#list.push([k, String(v)]);
    } else {
      this.#parse(String(init));
    }
  }

  #parse(text: string): void {
    this.#list = [];
    for (const part of (text.startsWith('?') ? text.slice(1) : text).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      this.#list.push([percentDecode(name.replace(/\+/g, ' ')), percentDecode(value.replace(/\+/g, ' '))]);
    }
  }

  /** Internal: ties these params to a URL's query (URL.searchParams). */
  static _link(params: URLSearchParams, query: string | null, onChange: () => void): void {
    params.#parse(query ?? '');
    params.#onChange = onChange;
  }
  static _reset(params: URLSearchParams, query: string | null): void {
    params.#parse(query ?? '');
  }

  #update(): void {
    this.#onChange?.();
  }
  get size(): number {
    return this.#list.length;
  }
  append(name: string, value: string): void {
    this.#list.push([String(name), String(value)]);
    this.#update();
  }
  delete(name: string, value?: string): void {
    this.#list = this.#list.filter(([k, v]) => !(k === String(name) && (value === undefined || v === String(value))));
    this.#update();
  }
  get(name: string): string | null {
    return this.#list.find(([k]) => k === String(name))?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.#list.filter(([k]) => k === String(name)).map(([, v]) => v);
  }
  has(name: string, value?: string): boolean {
    return this.#list.some(([k, v]) => k === String(name) && (value === undefined || v === String(value)));
  }
  set(name: string, value: string): void {
    const index = this.#list.findIndex(([k]) => k === String(name));
    if (index < 0) this.#list.push([String(name), String(value)]);
    else {
      this.#list[index] = [String(name), String(value)];
      this.#list = this.#list.filter(([k], i) => i <= index || k !== String(name));
    }
    this.#update();
  }
  sort(): void {
    // Stable sort by UTF-16 code units, as the standard says.
    this.#list = this.#list.map((e, i) => [e, i] as const).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map(([e]) => e);
    this.#update();
  }
  forEach(callback: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#list) callback.call(thisArg, v, k, this);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [k, v] of this.#list) yield [k, v];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.#list) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.#list) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  toString(): string {
    return this.#list.map(([k, v]) => `${percentEncode(k, FORM, true)}=${percentEncode(v, FORM, true)}`).join('&');
  }
  get [Symbol.toStringTag](): string {
    return 'URLSearchParams';
  }
}

export class URL {
  #r: UrlRecord;
  #params: URLSearchParams = new URLSearchParams();

  constructor(url: string | URL, base?: string | URL) {
    const baseRecord = base === undefined ? undefined : parse(String(base));
    this.#r = parse(String(url), baseRecord);
    URLSearchParams._link(this.#params, this.#r.query, () => {
      const q = this.#params.toString();
      this.#r.query = q === '' ? null : q;
    });
  }

  static canParse(url: string, base?: string): boolean {
    try {
      new URL(url, base);
      return true;
    } catch {
      return false;
    }
  }
  static parse(url: string, base?: string): URL | null {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  #reparse(href: string): void {
    this.#r = parse(href);
    URLSearchParams._reset(this.#params, this.#r.query);
  }

  get href(): string {
    const r = this.#r;
    let out = r.protocol;
    if (r.host !== null) {
      out += '//';
      if (r.username || r.password) out += r.username + (r.password ? ':' + r.password : '') + '@';
      out += r.host + (r.port ? ':' + r.port : '');
    }
    out += serializePath(r);
    if (r.query !== null) out += '?' + r.query;
    if (r.fragment !== null) out += '#' + r.fragment;
    return out;
  }
  set href(value: string) {
    this.#reparse(String(value));
  }
  get origin(): string {
    const r = this.#r;
    if (r.protocol === 'blob:' && typeof r.path === 'string') return URL.parse(r.path)?.origin ?? 'null';
    if (r.protocol in SPECIAL_PORTS && r.protocol !== 'file:') return `${r.protocol}//${this.host}`;
    return 'null';
  }
  get protocol(): string {
    return this.#r.protocol;
  }
  set protocol(value: string) {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*)/.exec(String(value))?.[1]?.toLowerCase();
    if (!scheme) return;
    const next = scheme + ':';
    // Special and non-special schemes can't be swapped for each other, per the standard.
    if (next in SPECIAL_PORTS !== this.#r.protocol in SPECIAL_PORTS) return;
    this.#r.protocol = next;
    if (this.#r.port === String(SPECIAL_PORTS[next])) this.#r.port = '';
  }
  get username(): string {
    return this.#r.username;
  }
  set username(value: string) {
    if (this.#r.host) this.#r.username = percentEncode(String(value), USERINFO);
  }
  get password(): string {
    return this.#r.password;
  }
  set password(value: string) {
    if (this.#r.host) this.#r.password = percentEncode(String(value), USERINFO);
  }
  get host(): string {
    return (this.#r.host ?? '') + (this.#r.port ? ':' + this.#r.port : '');
  }
  set host(value: string) {
    if (typeof this.#r.path === 'string') return;
    try {
      const probe = parse(`${this.#r.protocol}//${String(value)}/`);
      this.#r.host = probe.host;
      this.#r.port = probe.port;
    } catch {
      // Invalid hosts are ignored by setters.
    }
  }
  get hostname(): string {
    return this.#r.host ?? '';
  }
  set hostname(value: string) {
    if (typeof this.#r.path === 'string') return;
    try {
      this.#r.host = parse(`${this.#r.protocol}//${String(value).replace(/:.*$/, '')}/`).host;
    } catch {
      // ignored, as the standard says
    }
  }
  get port(): string {
    return this.#r.port;
  }
  set port(value: string) {
    const digits = /^\d*/.exec(String(value))?.[0] ?? '';
    if (this.#r.host === null || this.#r.host === '' || this.#r.protocol === 'file:') return;
    if (digits === '') {
      if (String(value) === '') this.#r.port = '';
      return;
    }
    const port = Number(digits);
    if (port > 65535) return;
    this.#r.port = port === SPECIAL_PORTS[this.#r.protocol] ? '' : String(port);
  }
  get pathname(): string {
    return serializePath(this.#r);
  }
  set pathname(value: string) {
    if (typeof this.#r.path === 'string') return;
    const special = this.#r.protocol in SPECIAL_PORTS;
    const text = String(value);
    this.#r.path = resolveSegments([], /^[/\\]/.test(text) ? text.slice(1) : text, special);
  }
  get search(): string {
    return this.#r.query ? '?' + this.#r.query : '';
  }
  set search(value: string) {
    const text = String(value).replace(/^\?/, '');
    this.#r.query = text === '' ? null : percentEncode(text, this.#r.protocol in SPECIAL_PORTS ? SPECIAL_QUERY : QUERY);
    URLSearchParams._reset(this.#params, this.#r.query);
  }
  get searchParams(): URLSearchParams {
    return this.#params;
  }
  get hash(): string {
    return this.#r.fragment ? '#' + this.#r.fragment : '';
  }
  set hash(value: string) {
    const text = String(value).replace(/^#/, '');
    this.#r.fragment = text === '' ? null : percentEncode(text, FRAGMENT);
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
  get [Symbol.toStringTag](): string {
    return 'URL';
  }
}
