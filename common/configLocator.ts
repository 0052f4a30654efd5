/**
 * Where a key of a wrangler config is written: the offsets of the key and of its value, by key path
 * (`['env', 'staging', 'kv_namespaces', 0, 'binding']`). The parsers give values only (smol-toml has no positions), so
 * this walks the same text once more and records where each path is written:
 * - JSON(C): jsonc-parser's syntax tree (parseTree / findNodeAtLocation).
 * - TOML: a scanner over the structure TOML allows — `[table]` and `[[array.of.tables]]` headers (array elements
 *   numbered as the parser numbers them), dotted and quoted keys, inline tables, arrays (elements numbered), every
 *   string form, comments. It only runs on text smol-toml accepted, so it never has to report errors itself.
 * For a key path the first place that writes it wins (a table header, or the dotted key that opens it).
 */
import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import type { ConfigFormat } from './workerProject.ts';

export type KeyPath = readonly (string | number)[];

/** Offsets: `start` inclusive, `end` exclusive. */
export interface TextSpan {
  start: number;
  end: number;
}

export interface KeyLocation {
  /** The key as written (for an array element, or a `[[table]]` element: the header or the element). */
  key: TextSpan;
  /** The value as written, quotes included; absent for tables opened by a header. */
  value?: TextSpan;
}

export interface ConfigLocator {
  locate(path: KeyPath): KeyLocation | undefined;
}

export function configLocator(text: string, format: ConfigFormat): ConfigLocator {
  return format === 'toml' ? new TomlLocator(text) : new JsonLocator(text);
}

/** The span of a string value without its quotes (the name itself), or the span as is when it is not a simple string. */
export function unquoted(text: string, span: TextSpan): TextSpan {
  const first = text[span.start];
  if ((first === '"' || first === "'") && span.end - span.start >= 2 && text[span.end - 1] === first && !text.startsWith(first.repeat(3), span.start)) {
    return { start: span.start + 1, end: span.end - 1 };
  }
  return span;
}

class JsonLocator implements ConfigLocator {
  private readonly root: JsonNode | undefined;

  constructor(text: string) {
    this.root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  }

  locate(path: KeyPath): KeyLocation | undefined {
    if (!this.root) return undefined;
    const node = path.length === 0 ? this.root : findNodeAtLocation(this.root, [...path]);
    if (!node) return undefined;
    const value = { start: node.offset, end: node.offset + node.length };
    const property = node.parent?.type === 'property' ? node.parent : undefined;
    const keyNode = property?.children?.[0];
    return keyNode ? { key: { start: keyNode.offset, end: keyNode.offset + keyNode.length }, value } : { key: value, value };
  }
}

const pathKey = (path: KeyPath): string => JSON.stringify(path);

interface KeySegment {
  name: string;
  span: TextSpan;
}

class TomlLocator implements ConfigLocator {
  private readonly text: string;
  private readonly locations = new Map<string, KeyLocation>();
  /** How many `[[…]]` headers each array of tables has had so far (by resolved path). */
  private readonly arrayTables = new Map<string, number>();
  private pos = 0;

  constructor(text: string) {
    this.text = text;
    this.scanDocument();
  }

  locate(path: KeyPath): KeyLocation | undefined {
    return this.locations.get(pathKey(path));
  }

  private record(path: KeyPath, location: KeyLocation, overwrite = false): void {
    const key = pathKey(path);
    if (overwrite || !this.locations.has(key)) this.locations.set(key, location);
  }

  private scanDocument(): void {
    let table: (string | number)[] = [];
    while (this.pos < this.text.length) {
      const before = this.pos;
      this.skipBlank();
      if (this.pos >= this.text.length) break;
      if (this.text[this.pos] === '[') table = this.header();
      else this.keyValue(table);
      if (this.pos === before) this.pos++; // never loop on text the scanner does not understand
    }
  }

  /** `[a.b]` or `[[a.b]]`: records the tables it names and returns the path keys below it are under. */
  private header(): (string | number)[] {
    const start = this.pos;
    const isArray = this.text[this.pos + 1] === '[';
    this.pos += isArray ? 2 : 1;
    const segments = this.key();
    this.skipInline();
    this.pos += isArray ? 2 : 1;
    const whole = { start, end: this.pos };
    const resolved: (string | number)[] = [];
    segments.forEach((segment, i) => {
      resolved.push(segment.name);
      const arrayKey = pathKey(resolved);
      const last = i === segments.length - 1;
      if (last && isArray) {
        const count = this.arrayTables.get(arrayKey) ?? 0;
        this.arrayTables.set(arrayKey, count + 1);
        this.record(resolved, { key: segment.span });
        resolved.push(count);
        this.record(resolved, { key: whole });
        return;
      }
      this.record(resolved, { key: segment.span });
      // A path through an array of tables means its latest element.
      const count = this.arrayTables.get(arrayKey);
      if (count !== undefined) resolved.push(count - 1);
    });
    return resolved;
  }

  /** `key = value` (dotted keys too), under `base`. */
  private keyValue(base: readonly (string | number)[]): void {
    const segments = this.key();
    this.skipInline();
    if (this.text[this.pos] !== '=') return;
    this.pos++;
    this.skipInline();
    const path = [...base];
    for (const segment of segments.slice(0, -1)) {
      path.push(segment.name);
      this.record(path, { key: segment.span });
    }
    const last = segments.at(-1);
    if (!last) return;
    path.push(last.name);
    const valueStart = this.pos;
    this.value(path);
    this.record(path, { key: last.span, value: { start: valueStart, end: this.pos } }, !this.locations.get(pathKey(path))?.value);
  }

  private value(path: readonly (string | number)[]): void {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") this.string();
    else if (c === '[') this.array(path);
    else if (c === '{') this.inlineTable(path);
    else this.scalar();
  }

  private array(path: readonly (string | number)[]): void {
    this.pos++;
    for (let index = 0; this.pos < this.text.length; index++) {
      this.skipBlank();
      if (this.text[this.pos] === ']') break;
      const start = this.pos;
      const element = [...path, index];
      this.value(element);
      const span = { start, end: this.pos };
      this.record(element, { key: span, value: span }, true);
      this.skipBlank();
      if (this.text[this.pos] === ',') this.pos++;
      else break;
    }
    this.skipBlank();
    if (this.text[this.pos] === ']') this.pos++;
  }

  private inlineTable(path: readonly (string | number)[]): void {
    this.pos++;
    while (this.pos < this.text.length) {
      this.skipBlank();
      if (this.text[this.pos] === '}') break;
      const before = this.pos;
      this.keyValue(path);
      this.skipBlank();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.pos === before) break;
    }
    if (this.text[this.pos] === '}') this.pos++;
  }

  /** Numbers, booleans, dates and times (which may hold a space): up to the next delimiter, trailing blanks excluded. */
  private scalar(): void {
    const start = this.pos;
    while (this.pos < this.text.length && !',]}#\r\n'.includes(this.text[this.pos]!)) this.pos++;
    while (this.pos > start && (this.text[this.pos - 1] === ' ' || this.text[this.pos - 1] === '\t')) this.pos--;
  }

  /** Any string form; leaves `pos` after the closing quote. Returns the decoded text for keys. */
  private string(): string {
    const text = this.text;
    const quote = text[this.pos]!;
    const start = this.pos;
    if (text.startsWith(quote.repeat(3), this.pos)) {
      let i = this.pos + 3;
      for (;;) {
        if (i >= text.length) break;
        if (quote === '"' && text[i] === '\\') i += 2;
        else if (text.startsWith(quote.repeat(3), i)) {
          // Up to two quotes may end the content right before the closing delimiter.
          while (text[i + 3] === quote && i + 3 < text.length) i++;
          i += 3;
          break;
        } else i++;
      }
      this.pos = i;
      return text.slice(start + 3, i - 3);
    }
    let i = this.pos + 1;
    while (i < text.length && text[i] !== quote && text[i] !== '\n') i += quote === '"' && text[i] === '\\' ? 2 : 1;
    this.pos = Math.min(i + 1, text.length);
    const raw = text.slice(start + 1, i);
    if (quote === "'") return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw; // TOML escapes JSON lacks (\e, \U…): the raw text is close enough for a key lookup
    }
  }

  /** A key: bare or quoted segments joined by dots. */
  private key(): KeySegment[] {
    const segments: KeySegment[] = [];
    for (;;) {
      this.skipInline();
      const start = this.pos;
      const c = this.text[this.pos];
      let name: string;
      if (c === '"' || c === "'") name = this.string();
      else {
        const match = /[A-Za-z0-9_-]+/y;
        match.lastIndex = this.pos;
        const found = match.exec(this.text);
        if (!found) break;
        name = found[0];
        this.pos += name.length;
      }
      segments.push({ name, span: { start, end: this.pos } });
      this.skipInline();
      if (this.text[this.pos] !== '.') break;
      this.pos++;
    }
    return segments;
  }

  private skipInline(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  /** Whitespace, newlines and comments. */
  private skipBlank(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '#') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }
}
