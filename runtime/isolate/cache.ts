/**
 * The Cache API: `caches.default` and `caches.open(name)`, each a Cache with `match`, `put` and `delete`. What workerd
 * checks before anything is stored happens here (GET requests only, no 206, no `Vary: *`, a body read once); what may be
 * stored, for how long, and how a match answers conditional and range requests is the host's
 * (runtime/src/bindings/cacheStore.ts). Responses cross as status, headers and bytes.
 */
import { host, rethrown } from './host.ts';
import { resumeIn } from './ioContext.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import type { WireCacheCall } from './hostWire.ts';
import { Headers } from './headers.ts';
import { URL } from './url.ts';
import { NULL_BODY_STATUSES } from './wire.ts';

type CacheKey = Request | string | URL;


function headerList(headers: Headers): [string, string][] {
  const list: [string, string][] = [];
  for (const [name, value] of headers) {
    if (name === 'set-cookie') continue;
    list.push([name, value]);
  }
  for (const cookie of headers.getSetCookie()) list.push(['set-cookie', cookie]);
  return list;
}

/** The request a key means: its URL (checked), method and headers. */
function keyOf(key: CacheKey): { url: string; method: string; headers: [string, string][] } {
  if (key instanceof Request) return { url: key.url, method: key.method, headers: headerList(key.headers) };
  const text = String(key);
  let url: string;
  try {
    url = new URL(text).href;
  } catch {
    throw new TypeError(`Invalid URL: ${text}`);
  }
  return { url, method: 'GET', headers: [] };
}

export class Cache {
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  async #call(call: Omit<WireCacheCall, 'cache'>): Promise<unknown> {
    const result = await resumeIn(host().cache.apply(undefined, [{ ...call, cache: this.#name }], { arguments: { copy: true }, result: { promise: true, copy: true } }));
    if (!result.ok) throw rethrown(result.error);
    return result.value;
  }

  async match(key: CacheKey, options?: { ignoreMethod?: boolean }): Promise<Response | undefined> {
    const { url, method, headers } = keyOf(key);
    if (method !== 'GET' && !options?.ignoreMethod) return undefined;
    const cached = (await this.#call({ op: 'match', url, headers })) as { status: number; headers: [string, string][]; body: Uint8Array } | null;
    if (cached === null) return undefined;
    return new Response(NULL_BODY_STATUSES.includes(cached.status) ? null : cached.body, { status: cached.status, headers: cached.headers });
  }

  async put(key: CacheKey, response: Response): Promise<void> {
    const { url, method, headers } = keyOf(key);
    if (method !== 'GET') throw new TypeError('Cannot cache response to non-GET request.');
    if (!(response instanceof Response)) throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
    if (response.status === 206) throw new TypeError('Cannot cache response to a range request (206 Partial Content).');
    const vary = response.headers.get('vary');
    if (vary !== null && vary.split(',').some((name) => name.trim() === '*')) throw new TypeError("Cannot cache response with 'Vary: *' header.");
    const body = new Uint8Array(await response.arrayBuffer());
    await this.#call({ op: 'put', url, headers, response: { status: response.status, headers: headerList(response.headers), body } });
  }

  async delete(key: CacheKey, options?: { ignoreMethod?: boolean }): Promise<boolean> {
    const { url, method } = keyOf(key);
    if (method !== 'GET' && !options?.ignoreMethod) return false;
    return (await this.#call({ op: 'delete', url, headers: [] })) as boolean;
  }
}

export class CacheStorage {
  readonly default = new Cache('default');

  async open(name: unknown): Promise<Cache> {
    return new Cache(`named:${String(name)}`);
  }
}
