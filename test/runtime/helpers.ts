// Shared by the runtime tier: building the sidecar when stale, and starting `worker-studio dev` as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { BuildError, Log, Ready, RequestCompleted, Status, type BuildErrorParams, type LogParams, type ReadyParams, type RequestRecord, type StatusParams } from '../../common/protocol.ts';
import { bin, ensureBuilt, repoRoot } from '../repo.ts';

export { bin, fixture, repoRoot } from '../repo.ts';

/** Builds dist/runtime.cjs, dist/prelude.js and dist/cli.cjs when stale. */
export const ensureRuntimeBuilt = (): void => ensureBuilt('runtime');

export interface DevProcess {
  child: ChildProcess;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when a line matching `pattern` has appeared on the stream (already or later). */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM and wait for the exit code (null when it had to be SIGKILLed after 5 s). */
  stop(): Promise<number | null>;
}

/** Spawns `bin/worker-studio dev ...args` on this Node (>= 24) and collects its output. */
export function spawnDev(args: string[], options: { stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [bin, 'dev', ...args], { cwd: repoRoot, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk));
  return { child, out };
}

/** How long a test waits for an expected line before failing (instead of hanging the tier). */
const WAIT_MS = 15_000;

function waitForText(child: ChildProcess, out: { stdout: string; stderr: string }, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} on ${stream} within ${WAIT_MS} ms\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
    }, WAIT_MS);
    const check = () => {
      const match = pattern.exec(out[stream]);
      if (!match) return false;
      cleanup();
      resolve(match);
      return true;
    };
    const onData = () => void check();
    const onExit = (code: number | null) => {
      if (check()) return;
      cleanup();
      reject(new Error(`dev exited (${code}) before ${pattern} on ${stream}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child[stream]!.off('data', onData);
      child.off('exit', onExit);
    };
    if (check()) return;
    // Listeners added after the collector's, so `out` is up to date when they run.
    child[stream]!.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Starts `dev` and waits for its `Ready on http://127.0.0.1:PORT` line. */
export async function startDev(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<DevProcess> {
  const { child, out } = spawnDev(args, options);
  const ready = await waitForText(child, out, 'stdout', /^Ready on (http:\/\/127\.0\.0\.1:(\d+))$/m);
  return {
    child,
    url: ready[1] as string,
    port: Number(ready[2]),
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor: (stream, pattern) => waitForText(child, out, stream, pattern),
    stop: async () => {
      // A process killed by a signal has exitCode null and signalCode set; 'exit' has fired either way.
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      // A sidecar that ignores SIGTERM (a blocked event loop) is killed, so the test fails instead of leaving it behind.
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const [code] = (await once(child, 'exit')) as [number | null];
      clearTimeout(kill);
      return code;
    },
  };
}

/** Runs `dev` to completion (for failures); resolves with the exit code and output. */
export async function runDev(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, out } = spawnDev(args);
  // 'close' (not 'exit') waits for the output streams to end too.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, ...out };
}

/** Starts `dev --rpc …args` and speaks the control channel to it; `events` collects what it notifies. */
export function connectRpc(args: string[]) {
  const { child, out } = spawnDev(['--rpc', ...args], { stdin: 'pipe' });
  // The protocol owns stdout: read it with the JSON-RPC reader, not the text collector.
  child.stdout!.removeAllListeners('data');
  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const events = {
    ready: new Promise<ReadyParams>((resolve) => connection.onNotification(Ready, resolve)),
    buildError: new Promise<BuildErrorParams>((resolve) => connection.onNotification(BuildError, resolve)),
    logs: [] as LogParams[],
    requests: [] as RequestRecord[],
    statuses: [] as StatusParams['state'][],
    /** Resolves when the sidecar reports that it is loading the worker (evaluating its top-level code). */
    loading: new Promise<void>((resolve) =>
      connection.onNotification(Status, ({ state }) => {
        events.statuses.push(state);
        if (state === 'loading') resolve();
      }),
    ),
  };
  connection.onNotification(Log, (params) => {
    events.logs.push(params);
  });
  const waiting: { matches(record: RequestRecord): boolean; resolve(record: RequestRecord): void }[] = [];
  connection.onNotification(RequestCompleted, (record) => {
    events.requests.push(record);
    for (const waiter of waiting.filter((w) => w.matches(record))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(record);
    }
  });
  /** The first RequestCompleted (already received or still to come) whose path and query are `url`. */
  const request = (url: string): Promise<RequestRecord> => {
    const matches = (record: RequestRecord) => record.url === url;
    const seen = events.requests.find(matches);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ matches, resolve }));
  };
  connection.listen();
  return { child, out, connection, events, request, exited: once(child, 'exit') as Promise<[number | null]> };
}

/** `worker-studio dev` spawns the runtime sidecar; the isolates live in that child. */
export function runtimePid(dev: DevProcess): number {
  const children = readFileSync(`/proc/${dev.child.pid}/task/${dev.child.pid}/children`, 'utf8').trim().split(/\s+/);
  if (children.length !== 1) throw new Error(`expected one runtime child, got ${children.join(',')}`);
  return Number(children[0]);
}

/** A process's resident memory now (`VmRSS`) or at its peak (`VmHWM`), in kB. */
export function rssKb(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return Number(new RegExp(`${which}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** Starts a new peak: the process's `VmHWM` drops to its current RSS (Linux `clear_refs` 5). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
