/** Fetch `Request` (no signal yet). */
import { Body, extractBody, NO_BODY, type BodyInit, type ExtractedBody } from './body.ts';
import { Headers, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  redirect?: string;
  duplex?: string;
}

const NORMALIZED_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'];

function normalizeMethod(method: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new TypeError(`Invalid method: "${method}"`);
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.includes(upper) ? upper : method;
}

export class Request extends Body {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Headers;
  readonly #redirect: string;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    const source = input instanceof Request ? input : undefined;
    const method = normalizeMethod(init.method ?? source?.method ?? 'GET');
    const hasBodyInit = init.body !== undefined && init.body !== null;
    if ((hasBodyInit || (source?.body != null && init.body === undefined)) && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('Request with a GET or HEAD method cannot have a body.');
    }
    const url = source ? source.url : new URL(String(input)).href;
    let extracted: ExtractedBody;
    if (hasBodyInit) extracted = extractBody(init.body);
    else if (source && init.body === undefined) extracted = source._transferBody();
    else extracted = NO_BODY;
    super(extracted);
    this.#url = url;
    this.#method = method;
    this.#headers = new Headers(init.headers ?? source?.headers);
    if (extracted.contentType && !this.#headers.has('content-type')) this.#headers.set('content-type', extracted.contentType);
    this.#redirect = init.redirect ?? source?.redirect ?? 'follow';
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
