/**
 * The Fetch "Body" part shared by Request and Response. A body is a ReadableStream, created lazily when the body
 * started as known bytes (a string, buffer, Blob, FormData, URLSearchParams): such bodies keep their bytes as the
 * "source", so the host can send them with a Content-Length (as workerd does) and reading them needs no stream.
 */
import { Blob } from './blob.ts';
import { toBytes, utf8Decode, utf8Encode } from './encoding.ts';
import { FormData, parseFormData, serializeFormData } from './formdata.ts';
import { isDisturbed, readAll, ReadableStream, streamOfBytes } from './streams.ts';
import { URLSearchParams } from './url.ts';
import { checkIo, currentIo, type IoContext } from './ioContext.ts';

export type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | Blob | FormData | ReadableStream | null | undefined;

/** A body: known bytes (`source`), a stream, or neither (null body). */
export interface ExtractedBody {
  source: Uint8Array | null;
  stream: ReadableStream | null;
  contentType: string | null;
}

export const NO_BODY: ExtractedBody = { source: null, stream: null, contentType: null };

// workerd's messages, word for word (the trailing comma of the clone one included).
const USED_MESSAGE = 'Body has already been used. It can only be used once. Use tee() first if you need to read it twice.';
const LOCKED_MESSAGE = 'This ReadableStream is currently locked to a reader.';
const CLONE_LOCKED_MESSAGE = 'This ReadableStream is currently locked to a reader,';

/** The standard's "extract a body": bytes or a stream, plus the default Content-Type for the kind of value. */
export function extractBody(init: BodyInit): ExtractedBody {
  if (init === null || init === undefined) return NO_BODY;
  if (typeof init === 'string') return { source: utf8Encode(init), stream: null, contentType: 'text/plain;charset=UTF-8' };
  if (init instanceof ReadableStream) {
    if (init.locked || isDisturbed(init)) throw new TypeError('This ReadableStream is disturbed (has already been read from), and cannot be used as a body.');
    return { source: null, stream: init, contentType: null };
  }
  if (init instanceof URLSearchParams) return { source: utf8Encode(init.toString()), stream: null, contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (init instanceof Blob) return { source: init._bytes(), stream: null, contentType: init.type || null };
  if (init instanceof FormData) {
    const { bytes, boundary } = serializeFormData(init);
    return { source: bytes, stream: null, contentType: `multipart/form-data; boundary=${boundary}` };
  }
  if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) return { source: toBytes(init).slice(), stream: null, contentType: null };
  // Anything else is stringified, as WebIDL's USVString fallback does.
  return { source: utf8Encode(String(init)), stream: null, contentType: 'text/plain;charset=UTF-8' };
}

/** What the host gets for a body: bytes it can send with a Content-Length, a stream to pull, or nothing. */
export type WireBody = { kind: 'none' } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'stream'; stream: ReadableStream };

export class Body {
  #source: Uint8Array | null;
  #stream: ReadableStream | null;
  #hasBody: boolean;
  /** Consumed without ever creating the stream (the bytes fast path). */
  #usedSource = false;
  /**
   * The request whose handler made these bytes: as in workerd they are its I/O object, unreadable from another
   * request. (A body that is a stream is checked by the stream: a host body is bound, a stream of the worker's own isn't.)
   */
  #io: IoContext | null;

  constructor(body: ExtractedBody) {
    this.#source = body.source;
    this.#stream = body.stream;
    this.#hasBody = body.source !== null || body.stream !== null;
    this.#io = body.source !== null ? currentIo() : null;
  }

  get body(): ReadableStream | null {
    if (!this.#hasBody) return null;
    if (!this.#stream) {
      this.#stream = streamOfBytes(this.#usedSource ? new Uint8Array(0) : (this.#source as Uint8Array));
      // A body consumed through the bytes fast path: a finished stream that is locked, as workerd's (getReader throws).
      if (this.#usedSource) {
        void this.#stream.cancel();
        this.#stream.getReader();
      }
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#hasBody && (this.#usedSource || (this.#stream !== null && isDisturbed(this.#stream)));
  }

  #contentType(): string | null {
    return (this as unknown as { headers: { get(name: string): string | null } }).headers.get('content-type');
  }

  async #consume(): Promise<Uint8Array> {
    checkIo(this.#io);
    if (this.bodyUsed) throw new TypeError(USED_MESSAGE);
    if (this.#stream?.locked) throw new TypeError(LOCKED_MESSAGE);
    if (!this.#hasBody) return new Uint8Array(0);
    if (!this.#stream) {
      this.#usedSource = true;
      return this.#source as Uint8Array;
    }
    return readAll(this.#stream);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.#consume()).slice().buffer as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return (await this.#consume()).slice();
  }
  async text(): Promise<string> {
    return utf8Decode(await this.#consume());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async blob(): Promise<Blob> {
    const bytes = await this.#consume();
    return Blob._fromBytes(bytes.slice(), this.#contentType() ?? '');
  }
  async formData(): Promise<FormData> {
    const contentType = this.#contentType();
    const bytes = await this.#consume();
    return parseFormData(bytes, contentType);
  }

  /** Internal (constructors): replaces the body. */
  _setBody(body: ExtractedBody): void {
    this.#source = body.source;
    this.#stream = body.stream;
    this.#hasBody = body.source !== null || body.stream !== null;
    this.#usedSource = false;
    this.#io = body.source !== null ? currentIo() : null;
  }

  /** Internal (clone): a second body with the same content; a stream body is teed, this body keeps one branch. */
  _cloneBody(): ExtractedBody {
    // As workerd: a partly read (disturbed) stream that is unlocked again can still be cloned (the rest is teed).
    if (this.#usedSource || this.#stream?.locked) throw new TypeError(CLONE_LOCKED_MESSAGE);
    if (!this.#hasBody) return NO_BODY;
    if (!this.#stream) return { source: this.#source, stream: null, contentType: null };
    const [mine, theirs] = this.#stream.tee();
    this.#stream = mine;
    return { source: this.#source, stream: theirs, contentType: null };
  }

  /** Internal (new Request(request)): moves the body out; this one is then used. */
  _transferBody(): ExtractedBody {
    if (!this.#hasBody) return NO_BODY;
    if (this.bodyUsed || this.#stream?.locked) throw new TypeError('Cannot reconstruct a Request with a used body.');
    const body = this.#stream ? { source: null, stream: this.#stream, contentType: null } : { source: this.#source, stream: null, contentType: null };
    if (this.#stream) this.#stream = streamOfBytes(new Uint8Array(0));
    this.#usedSource = true;
    if (this.#stream) void this.#stream.cancel();
    return body;
  }

  /** Internal (handing a Response to the host): its bytes when known and untouched, else its stream. */
  _wireBody(): WireBody {
    if (!this.#hasBody) return { kind: 'none' };
    checkIo(this.#io);
    if (this.bodyUsed) throw new TypeError(USED_MESSAGE);
    if (this.#stream?.locked) throw new TypeError(LOCKED_MESSAGE);
    if (!this.#stream) {
      this.#usedSource = true;
      return { kind: 'bytes', bytes: this.#source as Uint8Array };
    }
    return { kind: 'stream', stream: this.#stream };
  }
}
