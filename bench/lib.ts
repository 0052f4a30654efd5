// Helpers shared by the benchmarks in bench/ (not part of the runtime).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test/repo.ts';

export { repoRoot };
export const prelude = (): string => readFileSync(path.join(repoRoot, 'dist/prelude.js'), 'utf8');

/**
 * isolated-vm needs `--no-node-snapshot` (and the benches force GCs with `--expose-gc`): when this process was started
 * without them, runs the same script again in a child that has them, and exits with its code. Returns only in that child.
 */
export function reexecWith(flags: string[]): void {
  const missing = flags.filter((flag) => !process.execArgv.includes(flag));
  if (missing.length === 0) return;
  const child = spawnSync(process.execPath, [...process.execArgv, ...missing, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A process's resident set size in kB (`VmRSS`, Linux /proc). */
export function rssKb(pid: number = process.pid): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** Resident set size of a process and its descendants, in kB. */
export function treeRssKb(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Gone meanwhile.
  }
  return rssKb(pid) + children.reduce((sum, child) => sum + treeRssKb(child), 0);
}

/** Forces a full GC of the host heap (needs --expose-gc). */
export function hostGc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Lets pending I/O callbacks and timers of 0 ms run. */
export const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Live Node timers of this process (`Timeout` entries of the active resources). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}
