/**
 * Which worker of a multi-worker sidecar a request goes to, from the configs' `route` / `routes`, as Cloudflare routes
 * it: a pattern is `host/path`, the host may start with `*.` (or be `*`), the path may end with `*`; the most specific
 * match wins (an exact host over a wildcard one, then the longer path). Requests arrive at 127.0.0.1 locally, so a
 * request whose Host is local (127.0.0.1, localhost, [::1]) is matched on its path alone; a request sent with another
 * Host (`curl -H 'Host: api.example.com' …`) is matched on both. No match: the first worker (the first `-c`).
 */

export interface RoutePattern {
  /** The pattern as written, for messages. */
  pattern: string;
  host: string;
  path: string;
}

/** The patterns of a config's `route` / `routes` (strings or `{ pattern, zone_name | custom_domain }`). */
export function routePatterns(raw: Record<string, unknown> | undefined): RoutePattern[] {
  if (!raw) return [];
  const entries = [...(raw.route === undefined ? [] : [raw.route]), ...(Array.isArray(raw.routes) ? raw.routes : [])];
  return entries.flatMap((entry): RoutePattern[] => {
    const pattern = typeof entry === 'string' ? entry : typeof (entry as { pattern?: unknown })?.pattern === 'string' ? (entry as { pattern: string }).pattern : undefined;
    if (!pattern) return [];
    const withoutScheme = pattern.replace(/^https?:\/\//, '');
    const slash = withoutScheme.indexOf('/');
    // A custom domain (no path) takes every path of its host.
    return [{ pattern, host: (slash === -1 ? withoutScheme : withoutScheme.slice(0, slash)).toLowerCase(), path: slash === -1 ? '/*' : withoutScheme.slice(slash) }];
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || LOCAL_HOSTS.has(host)) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || host === pattern.slice(2);
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

/** Higher is more specific: an exact host first, then the longer path prefix, then no trailing wildcard. */
function specificity(route: RoutePattern): number {
  const hostScore = route.host.includes('*') ? 0 : 1;
  return hostScore * 1_000_000 + route.path.replace(/\*$/, '').length * 2 + (route.path.endsWith('*') ? 0 : 1);
}

/** The index of the worker whose routes match `url` (with its Host), or 0. */
export function routeRequest(workers: readonly RoutePattern[][], url: URL, hostHeader: string | undefined): number {
  const host = (hostHeader ?? url.host).replace(/:\d+$/, '').toLowerCase();
  let best = { index: 0, score: -1 };
  workers.forEach((routes, index) => {
    for (const route of routes) {
      if (!hostMatches(route.host, host) || !pathMatches(route.path, url.pathname)) continue;
      const score = specificity(route);
      if (score > best.score) best = { index, score };
    }
  });
  return best.index;
}
