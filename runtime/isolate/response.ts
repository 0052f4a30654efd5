/** Fetch `Response`. */
import { Body, extractBody, type BodyInit } from './body.ts';
import { utf8Encode } from './encoding.ts';
import { Headers, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

const NULL_BODY_STATUSES = [101, 204, 205, 304];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

export class Response extends Body {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  readonly #type: string;

  constructor(body: BodyInit = null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    // workerd allows 101 (WebSocket upgrades) and 200..599; the standard says 200..599.
    if (!Number.isInteger(status) || ((status < 200 || status > 599) && status !== 101)) {
      throw new RangeError('Responses may only be constructed with status codes in the range 200 to 599, inclusive.');
    }
    const extracted = extractBody(body);
    if ((extracted.source !== null || extracted.stream !== null) && NULL_BODY_STATUSES.includes(status)) throw new TypeError('Response with null body status (101, 204, 205, or 304) cannot have a body.');
    super(extracted);
    this.#status = status;
    this.#statusText = init.statusText ?? '';
    this.#headers = new Headers(init.headers);
    if (extracted.contentType && !this.#headers.has('content-type')) this.#headers.set('content-type', extracted.contentType);
    this.#type = 'default';
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('The data is not JSON serializable');
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(utf8Encode(text), { ...init, headers });
  }
  static redirect(url: string | URL, status = 302): Response {
    if (!REDIRECT_STATUSES.includes(status)) {
      throw new RangeError(`${status} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    }
    return new Response(null, { status, headers: { location: new URL(String(url)).href } });
  }
  static error(): Response {
    // A network error has status 0, which the constructor refuses; build a placeholder and report it as such.
    const response = new Response(null, { status: 200 });
    Object.defineProperty(response, 'status', { value: 0 });
    Object.defineProperty(response, 'type', { value: 'error' });
    return response;
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get type(): string {
    return this.#type;
  }
  get redirected(): boolean {
    return false;
  }
  get url(): string {
    return '';
  }
  clone(): Response {
    const body = this._cloneBody();
    const copy = new Response(null, { status: this.#status, statusText: this.#statusText, headers: this.#headers });
    copy._setBody(body);
    if (this.#type !== 'default') Object.defineProperty(copy, 'type', { value: this.#type });
    return copy;
  }
  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}
