/**
 * "Did you mean …?": the declared name closest to a misspelt one, by edit distance. Case is ignored when measuring
 * (binding names are SCREAMING_CASE by habit, so `env.my_kv` means `MY_KV`), and used only to break ties.
 */

export interface ClosestName {
  name: string;
  /** Edits (insertions, deletions, substitutions) between the two names, ignoring case. */
  distance: number;
}

/** Up to this many edits a quick fix may replace the name: a typo, not a different name. */
export const FIXABLE_DISTANCE = 2;

/** The closest candidate, when it is close enough to be worth suggesting. */
export function closestName(name: string, candidates: Iterable<string>): ClosestName | undefined {
  let best: { name: string; distance: number; exact: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const exact = editDistance(name, candidate);
    if (!best || distance < best.distance || (distance === best.distance && exact < best.exact)) best = { name: candidate, distance, exact };
  }
  if (!best) return undefined;
  // Short names have few letters to spare: two edits at most, a third of the name for long ones.
  const limit = Math.max(FIXABLE_DISTANCE, Math.floor(name.length / 3));
  return best.distance <= limit ? { name: best.name, distance: best.distance } : undefined;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
