// Shared by the server tier: the repository paths, building the bundles when they are stale, positions found by text.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const bin = path.join(repoRoot, 'bin', 'worker-studio');
export const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/server.cjs and dist/cli.cjs when they are older than their sources (`npm test` builds before the tiers,
 * so this is a no-op there; run `node --test --test-concurrency=1 …` when building from a test to avoid two builds at once).
 */
export function ensureBuilt(): void {
  const outputs = ['server.cjs', 'cli.cjs'].map((f) => path.join(repoRoot, 'dist', f));
  const oldest = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sources = Math.max(...['server/src', 'common', 'cli'].map((d) => newestMtime(path.join(repoRoot, d))), statSync(path.join(repoRoot, 'esbuild.mjs')).mtimeMs);
  if (oldest > sources) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.mjs'), 'server', 'cli'], { cwd: repoRoot, stdio: 'inherit' });
}

/** 0-based LSP position of the first occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length - 1, character: lines.at(-1)!.length };
}
