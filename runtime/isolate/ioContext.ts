/**
 * Which request (or event) the code running in an instance is working for: its "I/O context", as workerd calls it.
 * It tells the host whose console line, subrequest or waitUntil work something is, and it is what makes an I/O object
 * created for one request unusable from another (workerd's "Cannot perform I/O on behalf of a different request").
 *
 * How it is known without async hooks: the isolate runs one task at a time, and every task starts with an entry from
 * the host. Each entry sets the context — a request or event starts (bridge), a timer fires (timers.ts), the host pulls
 * a body the worker sends (bodyStreams.ts `readSent`), a host call settles (`resumeIn`) — and the microtasks that
 * follow belong to it. A promise one request resolves for another carries the resolver's context, as in workerd.
 */

export class IoContext {
  /** The host's id of the request or event (the id it was dispatched with). */
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
}

let current: IoContext | null = null;

/** The context running now; null while the worker's top-level code runs. */
export function currentIo(): IoContext | null {
  return current;
}

/** An entry from the host starts working for `io`. */
export function enterIo(io: IoContext | null): void {
  current = io;
}

/**
 * A host call's promise, settling back in the context that made the call: the reactions chained on the result run
 * after this one, so they see that context again whatever ran in between.
 */
export function resumeIn<T>(pending: Promise<T>): Promise<T> {
  const io = current;
  return pending.then(
    (value) => {
      current = io;
      return value;
    },
    (err: unknown) => {
      current = io;
      throw err;
    },
  );
}

// workerd's message, word for word (its I/O type name included, closing `>` and all).
const CROSS_REQUEST_MESSAGE =
  "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response bodies, and others) created in the context of one request handler cannot be accessed from a different request's handler. This is a limitation of Cloudflare Workers which allows us to improve overall performance. (I/O type: ReadableStreamSource>)";

/** Throws workerd's error when an I/O object made for `owner` is used while another request runs. */
export function checkIo(owner: IoContext | null): void {
  if (owner !== null && current !== null && owner !== current) throw new Error(CROSS_REQUEST_MESSAGE);
}
