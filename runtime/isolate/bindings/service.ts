/**
 * `env.<SERVICE>`: a service binding to another worker of the sidecar (Fetcher of @cloudflare/workers-types). `fetch`
 * sends the request to that worker as production does (its own request, with its own record and log line); any other
 * property is an RPC method of its entrypoint (a `WorkerEntrypoint` class: the default export, or the binding's
 * `entrypoint`), called in one of its instances with structured-clone arguments and result.
 */
import { host, rethrown } from '../host.ts';
import { resumeIn } from '../ioContext.ts';
import { Request } from '../request.ts';
import { Response } from '../response.ts';
import type { WireThrown } from '../hostWire.ts';
import type { WireObjectRequest, WireObjectResponse } from './durableObjects.ts';

type CallResult = { ok: true; value: unknown } | { ok: false; error: WireThrown & { stack?: string } };

async function call(binding: string, op: string, args: unknown[]): Promise<unknown> {
  const result = (await resumeIn(host().binding.apply(undefined, [{ binding, op, args }], { arguments: { copy: true }, result: { promise: true, copy: true } }))) as CallResult;
  if (!result.ok) {
    const error = rethrown(result.error);
    if (result.error.stack) error.stack = result.error.stack;
    throw error;
  }
  return result.value;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

export function serviceBinding(binding: string): unknown {
  const target = {
    async fetch(input: unknown, init?: unknown): Promise<Response> {
      const request = new Request(input as never, init as never);
      const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
      const wire: WireObjectRequest = { method: request.method, url: request.url, headers: [...request.headers], body };
      const answer = (await call(binding, 'fetch', [wire])) as WireObjectResponse;
      return new Response(NULL_BODY.has(answer.status) ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
    },
    connect(): never {
      throw new Error('connect() on a service binding is not available in Worker Studio yet.');
    },
  };
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'symbol' || property in object) return Reflect.get(object, property);
      // Not a thenable: `await env.SERVICE` gives the binding.
      if (property === 'then') return undefined;
      return (...args: unknown[]) => call(binding, 'rpc', [property, args]);
    },
  });
}
