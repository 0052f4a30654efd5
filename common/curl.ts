/**
 * cURL commands ⇄ requests, for the request panel's "Import cURL" and "Copy as cURL". Pure: no shell is run.
 * Parsing splits the command into words as a POSIX shell would (single and double quotes, `$'…'`, backslashes, line
 * continuations) and reads the options a copied request uses: -X, -H, -d/--data/--data-raw/--data-binary/--data-ascii,
 * --data-urlencode, --json, -F, -u, -G, -I, -A, -e, -b, --url; output-only options (-s, -L, -k, -v, …) are ignored.
 * Serializing single-quotes every word, so the command pastes into any POSIX shell unchanged.
 */

export interface CurlRequest {
  method: string;
  /** As written in the command (absolute, or host/path without a scheme). */
  url: string;
  headers: [string, string][];
  body?: CurlBody;
}

export type CurlBody =
  | { kind: 'text'; text: string }
  /** From -F: multipart fields (a `@file` value is kept as written: the panel cannot read the user's files from it). */
  | { kind: 'multipart'; fields: [string, string][] };

export class CurlParseError extends Error {}

/** Splits a command line into words like a POSIX shell (no expansion besides quotes and escapes). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const text = command;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2; // a line continuation
    } else if (c === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
      i += 3;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new CurlParseError('a single quote is not closed');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '$' && text[i + 1] === "'") {
      const [value, next] = ansiCQuoted(text, i + 2);
      word += value;
      inWord = true;
      i = next;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new CurlParseError('a double quote is not closed');
        const d = text[i]!;
        if (d === '"') break;
        // Inside double quotes a backslash escapes only these; elsewhere it stays.
        if (d === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `$'…'` (bash's ANSI-C quoting): backslash escapes like C's. Returns the value and the index after the quote. */
function ansiCQuoted(text: string, start: number): [string, number] {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', '?': '?' };
  let value = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") return [value, i + 1];
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1] ?? '';
    if (e in simple) {
      value += simple[e];
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const digits = /^[0-9a-fA-F]+/.exec(text.slice(i + 2, i + 2 + (e === 'x' ? 2 : e === 'u' ? 4 : 8)))?.[0] ?? '';
      value += digits ? String.fromCodePoint(parseInt(digits, 16)) : `\\${e}`;
      i += 2 + digits.length;
    } else if (/[0-7]/.test(e)) {
      const digits = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      value += String.fromCharCode(parseInt(digits, 8));
      i += 1 + digits.length;
    } else {
      value += `\\${e}`;
      i += 2;
    }
  }
  throw new CurlParseError("a $'…' quote is not closed");
}

/** Options that take a value, by every name curl accepts for them (short ones without the dash). */
const WITH_VALUE = new Set([
  'X', 'request', 'H', 'header', 'd', 'data', 'data-raw', 'data-binary', 'data-ascii', 'data-urlencode', 'json', 'F', 'form', 'form-string',
  'u', 'user', 'A', 'user-agent', 'e', 'referer', 'b', 'cookie', 'url',
  // value-taking options that don't change the request: read and dropped
  'o', 'output', 'm', 'max-time', 'connect-timeout', 'retry', 'w', 'write-out', 'x', 'proxy', 'c', 'cookie-jar', 'cacert', 'cert', 'key', 'E', 'resolve', 'T', 'upload-file', 'r', 'range', 'limit-rate',
]);
/** Flags that don't take a value and don't change the request we build (or that we handle: -G, -I). */
const FLAGS = new Set(['s', 'silent', 'S', 'show-error', 'L', 'location', 'k', 'insecure', 'v', 'verbose', 'i', 'include', 'compressed', 'f', 'fail', 'g', 'globoff', 'N', 'no-buffer', 'G', 'get', 'I', 'head', '4', '6', 'http1.1', 'http2', 'http2-prior-knowledge', 'http3', 'tr-encoding', 'raw', 'fail-with-body', 'q']);

/** Reads a cURL command (with or without the leading `curl`). Throws CurlParseError with what is wrong. */
export function parseCurl(command: string): CurlRequest {
  const words = shellWords(command.trim());
  if (words[0] === 'curl') words.shift();
  if (words.length === 0) throw new CurlParseError('the command is empty: paste a command such as curl -X POST http://localhost:8787/api');
  const options: { name: string; value?: string }[] = [];
  const urls: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      urls.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const name = word.slice(2);
      if (WITH_VALUE.has(name)) {
        if (i + 1 >= words.length) throw new CurlParseError(`${word} needs a value`);
        options.push({ name, value: words[++i]! });
      } else if (FLAGS.has(name)) {
        options.push({ name });
      } else {
        throw new CurlParseError(`the option ${word} is not supported`);
      }
    } else if (word.startsWith('-') && word.length > 1) {
      // Short options group (-sSL); one that takes a value takes the rest of the word or the next word (-XPOST, -X POST).
      for (let j = 1; j < word.length; j++) {
        const name = word[j]!;
        if (WITH_VALUE.has(name)) {
          const rest = word.slice(j + 1);
          if (!rest && i + 1 >= words.length) throw new CurlParseError(`-${name} needs a value`);
          options.push({ name, value: rest || words[++i]! });
          break;
        }
        if (!FLAGS.has(name)) throw new CurlParseError(`the option -${name} is not supported`);
        options.push({ name });
      }
    } else {
      urls.push(word);
    }
  }

  let method: string | undefined;
  const headers: [string, string][] = [];
  const data: string[] = [];
  const fields: [string, string][] = [];
  let get = false;
  let head = false;
  let json = false;
  for (const { name, value = '' } of options) {
    switch (name) {
      case 'X': case 'request': method = value.toUpperCase(); break;
      case 'H': case 'header': {
        const colon = value.indexOf(':');
        if (colon <= 0) throw new CurlParseError(`the header ${JSON.stringify(value)} has no "name: value"`);
        headers.push([value.slice(0, colon).trim(), value.slice(colon + 1).trim()]);
        break;
      }
      case 'd': case 'data': case 'data-ascii': case 'data-binary':
        if (value.startsWith('@')) throw new CurlParseError(`${value}: reading the body from a file is not supported; paste its content instead`);
        // curl drops newlines from -d/--data (not from --data-binary).
        data.push(name === 'data-binary' ? value : value.replace(/[\r\n]/g, ''));
        break;
      case 'data-raw': data.push(value); break;
      case 'json': data.push(value); json = true; break;
      case 'data-urlencode': data.push(urlencodeData(value)); break;
      case 'F': case 'form': case 'form-string': {
        const eq = value.indexOf('=');
        if (eq <= 0) throw new CurlParseError(`the form field ${JSON.stringify(value)} has no "name=value"`);
        fields.push([value.slice(0, eq), value.slice(eq + 1)]);
        break;
      }
      case 'u': case 'user': headers.push(['Authorization', `Basic ${base64Utf8(value.includes(':') ? value : `${value}:`)}`]); break;
      case 'A': case 'user-agent': headers.push(['User-Agent', value]); break;
      case 'e': case 'referer': headers.push(['Referer', value]); break;
      case 'b': case 'cookie':
        if (!value.includes('=')) throw new CurlParseError(`-b ${value}: reading cookies from a file is not supported`);
        headers.push(['Cookie', value]);
        break;
      case 'url': urls.push(value); break;
      case 'G': case 'get': get = true; break;
      case 'I': case 'head': head = true; break;
      default: break; // options that don't change the request
    }
  }
  if (urls.length === 0) throw new CurlParseError('the command has no URL');
  if (urls.length > 1) throw new CurlParseError(`the command has several URLs (${urls.join(', ')}): import one request at a time`);
  if (data.length > 0 && fields.length > 0) throw new CurlParseError('-d and -F cannot be mixed in one request');
  let url = urls[0]!;
  const has = (header: string) => headers.some(([n]) => n.toLowerCase() === header);
  let body: CurlBody | undefined;
  if (get && data.length > 0) {
    url += (url.includes('?') ? '&' : '?') + data.join('&');
  } else if (data.length > 0) {
    body = { kind: 'text', text: data.join('&') };
    if (json) {
      if (!has('content-type')) headers.push(['Content-Type', 'application/json']);
      if (!has('accept')) headers.push(['Accept', 'application/json']);
    } else if (!has('content-type')) {
      headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
    }
  } else if (fields.length > 0) {
    body = { kind: 'multipart', fields };
  }
  method ??= head ? 'HEAD' : body ? 'POST' : 'GET';
  return { method, url, headers, ...(body ? { body } : {}) };
}

/** `--data-urlencode` forms: `content`, `=content`, `name=content`; `@file` and `name@file` read a file: refused. */
function urlencodeData(value: string): string {
  const eq = value.indexOf('=');
  const at = value.indexOf('@');
  if (at >= 0 && (eq < 0 || at < eq)) throw new CurlParseError(`--data-urlencode ${value}: reading from a file is not supported`);
  if (eq < 0) return encodeURIComponent(value);
  if (eq === 0) return encodeURIComponent(value.slice(1));
  return `${value.slice(0, eq)}=${encodeURIComponent(value.slice(eq + 1))}`;
}

function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A word as a POSIX shell reads it back: plain when it is safe, else single-quoted (`'` written as `'\''`). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The request as a cURL command. GET is implied when there is no body; a body is sent as given (--data-raw). */
export function toCurl(request: { method: string; url: string; headers: [string, string][]; body?: string }): string {
  const parts = ['curl'];
  const method = request.method.toUpperCase();
  const implied = request.body !== undefined ? 'POST' : 'GET';
  if (method === 'HEAD') parts.push('--head');
  else if (method !== implied) parts.push('-X', method);
  parts.push(shellQuote(request.url));
  for (const [name, value] of request.headers) parts.push('-H', shellQuote(`${name}: ${value}`));
  if (request.body !== undefined) parts.push('--data-raw', shellQuote(request.body));
  return parts.join(' ');
}
