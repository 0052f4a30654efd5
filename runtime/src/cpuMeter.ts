/**
 * CPU time per request on one isolate. `isolate.cpuTime` advances only while the isolate runs JavaScript (never while
 * it waits on a timer or on I/O, nor while a debugger holds it paused), live even during a long-running call; whatever
 * it advanced by between two samples is shared evenly by the requests in flight then. A request alone on its isolate
 * gets exactly its own running time.
 *
 * That clock is a wall clock, though: isolated-vm's prebuilt binaries time the isolate's turns with a steady clock,
 * not the thread's CPU clock (measured: 200 ms in Atomics.wait inside the isolate count as 200 ms). While the machine
 * is busy, a turn that needs 5 ms of CPU can take 100 ms, and a 50 ms limit enforced on that clock stops requests that
 * did almost nothing. So each job also gets `cpuNs`: per sample, no more than the whole process's CPU time (all its
 * threads: the isolate's among them) advanced by. The limit is enforced on that; on an idle machine the two agree.
 */
export interface CpuJob {
  /** Nanoseconds of the isolate's running time attributed so far (what a request reports as its CPU time). */
  ns: number;
  /** Nanoseconds of CPU really spent meanwhile (at most `ns`): what a CPU limit is enforced on. */
  cpuNs: number;
}

/** The CPU time of the whole process (every thread), in nanoseconds. */
function processCpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

export class CpuMeter {
  readonly #read: () => bigint;
  readonly #readProcess: () => number;
  #last: bigint;
  #lastProcess: number;
  readonly #jobs = new Set<CpuJob>();
  #paused = false;

  /** `read`: the isolate's total running time in nanoseconds; `readProcess`: the process's CPU time in nanoseconds. */
  constructor(read: () => bigint, readProcess: () => number = processCpuNs) {
    this.#read = read;
    this.#readProcess = readProcess;
    this.#last = read();
    this.#lastProcess = readProcess();
  }

  get active(): ReadonlySet<CpuJob> {
    return this.#jobs;
  }

  start(): CpuJob {
    this.sample();
    const job = { ns: 0, cpuNs: 0 };
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

  get paused(): boolean {
    return this.#paused;
  }

  /** Attributes the time used since the last sample to the jobs in flight. */
  sample(): void {
    const now = this.#read();
    const processNow = this.#readProcess();
    const delta = Number(now - this.#last);
    const spent = processNow - this.#lastProcess;
    this.#last = now;
    this.#lastProcess = processNow;
    if (this.#paused || this.#jobs.size === 0 || delta <= 0) return;
    const share = delta / this.#jobs.size;
    const cpuShare = Math.min(delta, Math.max(0, spent)) / this.#jobs.size;
    for (const job of this.#jobs) {
      job.ns += share;
      job.cpuNs += cpuShare;
    }
  }
}
