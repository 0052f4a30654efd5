// Shared by the test tiers that drive the built CLI: where things are, and building the bundles they need when stale.
// (`npm test` builds everything before the tiers, so ensureBuilt is a no-op there; it keeps `node --test FILE` honest.
// Run such files with --test-concurrency=1 so two files never build at once.)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const bin = path.join(repoRoot, 'bin', 'worker-studio');
export const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The esbuild contexts each test tier needs, and the source folders they are built from. */
const BUNDLES = {
  server: { contexts: ['server', 'cli'], outputs: ['server.cjs', 'cli.cjs'], sources: ['server/src', 'common', 'cli'] },
  runtime: { contexts: ['runtime', 'prelude', 'cli'], outputs: ['runtime.cjs', 'prelude.js', 'cli.cjs'], sources: ['runtime', 'common', 'cli'] },
} as const;

/** Builds the bundles of `part` when any is older than its sources or esbuild.mjs. */
export function ensureBuilt(part: keyof typeof BUNDLES): void {
  const { contexts, outputs, sources } = BUNDLES[part];
  const oldest = Math.min(...outputs.map((f) => path.join(repoRoot, 'dist', f)).map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const newest = Math.max(...sources.map((d) => newestMtime(path.join(repoRoot, d))), statSync(path.join(repoRoot, 'esbuild.mjs')).mtimeMs);
  if (oldest > newest) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.mjs'), ...contexts], { cwd: repoRoot, stdio: 'inherit' });
}
