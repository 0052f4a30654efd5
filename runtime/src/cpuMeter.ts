/**
 * CPU time per request on one isolate. `isolate.cpuTime` advances only while the isolate runs JavaScript (never while
 * it waits on a timer or on I/O), live even during a long-running call; whatever it advanced by between two samples is
 * shared evenly by the requests in flight then. A request alone on its isolate gets exactly its own CPU time.
 */
export interface CpuJob {
  /** Nanoseconds attributed so far. */
  ns: number;
}

export class CpuMeter {
  readonly #read: () => bigint;
  #last: bigint;
  readonly #jobs = new Set<CpuJob>();
  #paused = false;

  /** `read`: the isolate's total CPU time in nanoseconds. */
  constructor(read: () => bigint) {
    this.#read = read;
    this.#last = read();
  }

  get active(): ReadonlySet<CpuJob> {
    return this.#jobs;
  }

  start(): CpuJob {
    this.sample();
    const job = { ns: 0 };
    this.#jobs.add(job);
    return job;
  }

  /** Ends a job; its CPU time in milliseconds. */
  end(job: CpuJob): number {
    if (this.#jobs.has(job)) {
      this.sample();
      this.#jobs.delete(job);
    }
    return job.ns / 1e6;
  }

  /**
   * While a debugger holds the isolate paused, the CPU time it uses (the debugger's own evaluations) is no request's:
   * isolated-vm's clock already stops while the isolate waits paused, but not while it evaluates for the debugger.
   */
  set paused(paused: boolean) {
    this.sample();
    this.#paused = paused;
  }

  /** Attributes the CPU time used since the last sample to the jobs in flight. */
  sample(): void {
    const now = this.#read();
    const delta = Number(now - this.#last);
    this.#last = now;
    if (this.#paused || this.#jobs.size === 0 || delta <= 0) return;
    const share = delta / this.#jobs.size;
    for (const job of this.#jobs) job.ns += share;
  }
}
