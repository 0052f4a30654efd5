/** Fetch `Request` (no signal yet). */
import { Body, extractBody, NO_BODY, type BodyInit, type ExtractedBody } from './body.ts';
import { checkHeadersMember, Headers, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  redirect?: string;
  duplex?: string;
}

/**
 * The methods workerd accepts (kj's HttpMethod list), in any case; the result is upper-cased. Anything else, CONNECT
 * included, is a TypeError.
 */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'PURGE', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND',
  'PROPPATCH', 'SEARCH', 'UNLOCK', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'MSEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'QUERY', 'BAN']);

function normalizeMethod(value: string): string {
  const method = String(value);
  const upper = method.toUpperCase();
  if (!METHODS.has(upper)) throw new TypeError(`Invalid HTTP method string: ${method}`);
  return upper;
}

const REDIRECT_ERROR =
  'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not make sense at the edge; use "manual" and check the response status code).';

function parseUrl(input: string): string {
  try {
    return new URL(input).href;
  } catch {
    throw new TypeError(`Invalid URL: ${input}`);
  }
}

export class Request extends Body {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Headers;
  readonly #redirect: string;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    checkHeadersMember(init.headers, 'RequestInitializerDict');
    const source = input instanceof Request ? input : undefined;
    const method = normalizeMethod(init.method ?? source?.method ?? 'GET');
    const hasBodyInit = init.body !== undefined && init.body !== null;
    if ((hasBodyInit || (source?.body != null && init.body === undefined)) && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with a GET or HEAD method cannot have a body.');
    }
    const url = source ? source.url : parseUrl(String(input));
    let extracted: ExtractedBody;
    if (hasBodyInit) extracted = extractBody(init.body);
    else if (source && init.body === undefined) extracted = source._transferBody();
    else extracted = NO_BODY;
    super(extracted);
    this.#url = url;
    this.#method = method;
    this.#headers = new Headers(init.headers ?? source?.headers);
    if (extracted.contentType && !this.#headers.has('content-type')) this.#headers.set('content-type', extracted.contentType);
    const redirect = init.redirect === undefined ? (source?.redirect ?? 'follow') : String(init.redirect);
    if (redirect !== 'follow' && redirect !== 'manual') throw new TypeError(REDIRECT_ERROR);
    this.#redirect = redirect;
  }

  get url(): string {
    return this.#url;
  }
  get method(): string {
    return this.#method;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get redirect(): string {
    return this.#redirect;
  }
  clone(): Request {
    const body = this._cloneBody();
    const copy = new Request(this.#url, { method: this.#method, headers: this.#headers, redirect: this.#redirect });
    copy._setBody(body);
    return copy;
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}
