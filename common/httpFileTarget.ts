/**
 * Where a .http request goes: Send Request only talks to the running worker, so a request's URL must be a path
 * (`/things?x=1`, resolved against the worker) or an absolute URL at the worker's own origin. Loopback names count as
 * the same host (`http://localhost:8787` is the worker on `http://127.0.0.1:8787`). Anything else is refused with a
 * message that says why, rather than silently sent to the worker or to the internet.
 */
import type { ResolvedHttpRequest } from './httpFileVariables.ts';
import type { SendRequestParams } from './protocol.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The path and query to send to the worker at `workerUrl` (`http://127.0.0.1:PORT`) for a request written as `url`. */
export function workerPathFor(url: string, workerUrl: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url.replace(/#.*$/, '');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL: write a path (/things) to send it to the running worker, or an absolute http:// URL at ${workerUrl}`);
  }
  const worker = new URL(workerUrl);
  const sameOrigin = target.protocol === worker.protocol && LOOPBACK_HOSTS.has(target.hostname) && LOOPBACK_HOSTS.has(worker.hostname) && portOf(target) === portOf(worker);
  if (!sameOrigin) {
    throw new Error(
      `${target.origin} is not the running worker (${worker.origin}): Send Request only sends to the worker. Write the URL as a path (${target.pathname}${target.search}) or at ${worker.origin}.`,
    );
  }
  return `${target.pathname}${target.search}`;
}

/** The resolved request as the sidecar's SendRequest takes it, aimed at the worker at `workerUrl`. */
export function sendParamsFor(request: ResolvedHttpRequest, workerUrl: string): SendRequestParams {
  const params: SendRequestParams = { method: request.method, path: workerPathFor(request.url, workerUrl) };
  if (Object.keys(request.headers).length > 0) params.headers = request.headers;
  if (request.body !== undefined) params.body = request.body;
  return params;
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}
