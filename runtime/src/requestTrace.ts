/**
 * What one request did while the worker served it, gathered as it happens: its console lines, its subrequests, its
 * waitUntil work. The instance files things under the request's id (runtime/isolate/ioContext.ts tells it whose work
 * is running); the server reads the trace once the response is done and its waitUntil work has settled.
 */
import type { LogLevel, RequestLogRecord, RequestRecord, SubrequestRecord, WaitUntilRecord } from '../../common/protocol.ts';
import type { ExchangeEnd } from '../isolate/wire.ts';

/** A chatty worker can log without end: a request keeps this many lines (the log itself has them all). */
export const MAX_TRACED_LOGS = 1000;
export const MAX_TRACED_SUBREQUESTS = 1000;

const round = (ms: number) => Math.round(ms * 10) / 10;

export class RequestTrace {
  /** Epoch milliseconds of the request's arrival. */
  readonly startedAt = Date.now();
  readonly #start = performance.now();
  readonly logs: RequestLogRecord[] = [];
  readonly subrequests: SubrequestRecord[] = [];
  #waitUntil: WaitUntilRecord | undefined;
  #settle!: () => void;
  /** Settles once the request's waitUntil work is done, or its instance went away first. */
  readonly settled = new Promise<void>((resolve) => (this.#settle = resolve));

  /** Milliseconds since arrival. */
  elapsed(): number {
    return round(performance.now() - this.#start);
  }

  log(level: LogLevel, message: string, location: string | undefined): void {
    if (this.logs.length > MAX_TRACED_LOGS) return;
    if (this.logs.length === MAX_TRACED_LOGS) {
      this.logs.push({ level: 'info', message: `(more than ${MAX_TRACED_LOGS} lines: the rest are in the log only)`, atMs: this.elapsed() });
      return;
    }
    this.logs.push({ level, message, ...(location ? { location } : {}), atMs: this.elapsed() });
  }

  /** A subrequest starts; the returned functions record its response head (or failure) and the end of its body. */
  subrequest(method: string, url: string): { head(status: number): void; failed(error: string): void; end(): void } {
    const record: SubrequestRecord = { method, url, startMs: this.elapsed(), headMs: 0 };
    if (this.subrequests.length < MAX_TRACED_SUBREQUESTS) this.subrequests.push(record);
    return {
      head: (status) => {
        record.status = status;
        record.headMs = this.elapsed();
      },
      failed: (error) => {
        record.error = error;
        record.headMs = record.endMs = this.elapsed();
      },
      end: () => {
        record.endMs ??= this.elapsed();
      },
    };
  }

  /** The isolate reports the request's waitUntil work done (count 0: there was none). */
  waitUntilDone(count: number, pendingAfterResponse: number): void {
    if (count > 0) this.#waitUntil = { count, pendingAfterResponse, settledMs: this.elapsed() };
    this.#settle();
  }

  /** The instance went away (evicted, out of memory, stopped): nothing more will be reported. */
  abandon(): void {
    this.#settle();
  }

  get waitUntil(): WaitUntilRecord | undefined {
    return this.#waitUntil;
  }
}

/** The instance that served a request and its CPU accounting (workerPool.ts `Served`). */
interface ServedBy {
  instance: number;
  /** Ends the request's CPU accounting; its CPU time in ms. */
  finish(): number;
}

/**
 * The record of a finished exchange, once the request's waitUntil work has settled too (at once when the worker never
 * got the request: a load failure page, a limit that stopped it).
 */
export async function requestRecord(
  id: number,
  request: { method: string; url: string },
  trace: RequestTrace,
  end: ExchangeEnd,
  outcome: Exclude<RequestRecord['outcome'], 'canceled'>,
  served: ServedBy | undefined,
): Promise<RequestRecord> {
  const cpuMs = served ? round(served.finish()) : undefined;
  if (!served) trace.abandon();
  await trace.settled;
  const url = new URL(request.url);
  return {
    id,
    method: request.method,
    url: url.pathname + url.search,
    status: end.status,
    startedAt: trace.startedAt,
    wallMs: end.wallMs,
    ...(served ? { cpuMs, instance: served.instance } : {}),
    outcome: end.canceled ? 'canceled' : outcome,
    subrequests: trace.subrequests,
    logs: trace.logs,
    ...(trace.waitUntil ? { waitUntil: trace.waitUntil } : {}),
  };
}
