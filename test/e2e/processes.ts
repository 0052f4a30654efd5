// What the runner starts and must stop: process groups, the temp work dir, and the cleanup that runs on success,
// failure, timeout and signals (a VS Code host left behind keeps ports, file watchers and CPU busy).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const cleanups: Array<() => void | Promise<void>> = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}

/** Runs the registered cleanups (newest first); concurrent callers (timeout, signal, normal end) share one pass. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`[e2e] cleanup: ${String(err)}`);
      }
    }
  })().finally(() => (cleaning = undefined));
  return cleaning;
}

/** Process groups still alive: SIGKILLed synchronously if the runner exits any other way. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid);
});

/** Kills a process group (the child was spawned detached, so its pid is the group id). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the group, SIGKILL if it has not exited within 3 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid) liveGroups.delete(child.pid);
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child.pid); // the leader is gone; stragglers in its group are not
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child.pid, 'SIGTERM');
  // Wait for the exit itself; a group that ignores SIGTERM is SIGKILLed after 3 s so the wait still ends.
  const escalate = setTimeout(() => killGroup(child.pid), 3_000);
  await exited;
  clearTimeout(escalate);
  killGroup(child.pid); // the leader is gone; stragglers in its group are not
}

/** Takes charge of a child spawned with `detached: true`: cleanup stops its whole group, an abrupt exit kills it. */
export function trackGroup(child: ChildProcess): void {
  if (child.pid) liveGroups.add(child.pid);
  onCleanup(() => stopGroup(child));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The temp dir of this run: removed after a pass, kept (and named) after a failure or with WORKER_STUDIO_E2E_KEEP=1. */
let workDir: string | undefined;

export function makeWorkDir(): string {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'worker-studio-e2e-'));
  return workDir;
}

function finishWorkDir(passed: boolean): void {
  if (!workDir) return;
  if (passed && process.env.WORKER_STUDIO_E2E_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  else console.error(`[e2e] kept ${workDir} (logs, workspace copy)`);
  workDir = undefined;
}

/** The one way out of the runner: stops everything, removes or keeps the work dir (kept unless code is 0), exits. */
export async function exitAfterCleanup(code: number): Promise<never> {
  try {
    await cleanup();
  } finally {
    finishWorkDir(code === 0);
    process.exit(code);
  }
}

export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[e2e] ${signal}: stopping`);
      void exitAfterCleanup(130);
    });
  }
}
