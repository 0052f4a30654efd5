/**
 * What Node.js compatibility a worker gets from its compatibility date and flags, resolved as workerd does
 * (src/workerd/io/compatibility-date.capnp):
 *   - nodeJsCompat: flag `nodejs_compat` (off: `no_nodejs_compat`), on by default from 2026-08-04; `nodejs_compat_v2`
 *     implies it. `node:*` modules need it.
 *   - nodeJsCompatV2: flag `nodejs_compat_v2` (off: `no_nodejs_compat_v2`), implied by nodejs_compat from 2024-09-23,
 *     on by default from 2026-08-04. Built-ins without the `node:` prefix (`buffer`) need it.
 *   - nodeJsAls: flag `nodejs_als` makes `node:async_hooks` (AsyncLocalStorage) available on its own.
 */

export const NODEJS_COMPAT_DEFAULT_ON_DATE = '2026-08-04';
export const NODEJS_COMPAT_V2_IMPLIED_DATE = '2024-09-23';

export interface NodeCompatibility {
  /** `node:*` built-ins resolve. */
  prefixed: boolean;
  /** Built-ins resolve without the `node:` prefix too. */
  unprefixed: boolean;
  /** `node:async_hooks` resolves (nodejs_compat, or nodejs_als alone). */
  asyncHooks: boolean;
  /** The config turns Node.js compatibility off on purpose (`no_nodejs_compat`). */
  optedOut: boolean;
}

/** Undefined date: wrangler then uses today's date, so nothing can be said for certain (see the rule). */
export function nodeCompatibility(date: string, flags: readonly string[]): NodeCompatibility {
  const has = (flag: string) => flags.includes(flag);
  const defaultOn = date >= NODEJS_COMPAT_DEFAULT_ON_DATE;
  const v2 = has('nodejs_compat_v2') || (!has('no_nodejs_compat_v2') && (defaultOn || (has('nodejs_compat') && date >= NODEJS_COMPAT_V2_IMPLIED_DATE)));
  const compat = v2 || has('nodejs_compat') || (defaultOn && !has('no_nodejs_compat'));
  return { prefixed: compat, unprefixed: v2, asyncHooks: compat || has('nodejs_als'), optedOut: has('no_nodejs_compat') };
}
