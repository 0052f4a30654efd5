// Shared by the server tier: the repository paths, building the bundles when they are stale, positions found by text.
export { bin, fixture, repoRoot } from '../repo.ts';
import { ensureBuilt as ensureBundles } from '../repo.ts';

/** Builds dist/server.cjs and dist/cli.cjs when stale. */
export const ensureBuilt = (): void => ensureBundles('server');

/** 0-based LSP position of the first occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length - 1, character: lines.at(-1)!.length };
}
