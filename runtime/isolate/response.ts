/** Fetch `Response`. */
import { Body, extractBody, type BodyInit } from './body.ts';
import { utf8Encode } from './encoding.ts';
import { checkHeadersMember, Headers, makeHeadersImmutable, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';
import { NULL_BODY_STATUSES } from './wire.ts';

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}


/** workerd's default reason phrases (probed for every status 200..599); other codes get their class's phrase. */
const REASON_PHRASES: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};
const CLASS_PHRASES = ['', '', 'Successful', 'Redirection', 'Client Error', 'Server Error'];

/** The statusText workerd fills in when none is given. */
export function defaultStatusText(status: number): string {
  return REASON_PHRASES[status] ?? CLASS_PHRASES[Math.floor(status / 100)] ?? '';
}
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

export class Response extends Body {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  readonly #type: string;

  constructor(body: BodyInit = null, init: ResponseInit = {}) {
    checkHeadersMember(init.headers, 'InitializerDict');
    const status = init.status ?? 200;
    // workerd allows 101 (WebSocket upgrades) and 200..599; the standard says 200..599.
    if (!Number.isInteger(status) || ((status < 200 || status > 599) && status !== 101)) {
      throw new RangeError('Responses may only be constructed with status codes in the range 200 to 599, inclusive.');
    }
    const extracted = extractBody(body);
    if ((extracted.source !== null || extracted.stream !== null) && NULL_BODY_STATUSES.includes(status)) throw new TypeError('Response with null body status (101, 204, 205, or 304) cannot have a body.');
    super(extracted);
    this.#status = status;
    const statusText = init.statusText === undefined ? defaultStatusText(status) : String(init.statusText);
    // workerd refuses control characters (CR, LF, TAB, NUL...) in a status text.
    if (/[\x00-\x1f]/.test(statusText)) throw new TypeError('Invalid statusText');
    this.#statusText = statusText;
    this.#headers = new Headers(init.headers);
    if (extracted.contentType && !this.#headers.has('content-type')) this.#headers.set('content-type', extracted.contentType);
    this.#type = 'default';
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    checkHeadersMember(init.headers, 'InitializerDict');
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('The data is not JSON serializable');
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(utf8Encode(text), { ...init, headers });
  }
  static redirect(url: string | URL, status: unknown = 302): Response {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'redirect' on 'Response': parameter 1 is not of type 'string'.");
    // WebIDL `unsigned short`: '301' and 301.5 are 301.
    const code = Math.trunc(Number(status)) & 0xffff;
    if (!REDIRECT_STATUSES.includes(code)) {
      throw new RangeError(`${code} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    }
    const location = URL.parse(String(url));
    if (!location) throw new TypeError(`Unable to parse URL: ${String(url)}`);
    const response = new Response(null, { status: code, headers: { location: location.href } });
    makeHeadersImmutable(response.headers);
    return response;
  }
  static error(): Response {
    // A network error has status 0, which the constructor refuses; build a placeholder and report it as such.
    const response = new Response(null, { status: 200, statusText: '' });
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
