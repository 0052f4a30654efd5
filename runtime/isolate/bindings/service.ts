/**
 * `env.<SERVICE>`: a service binding to another worker of the sidecar (Fetcher of @cloudflare/workers-types). `fetch`
 * sends the request to that worker as production does (its own request, with its own record and log line); any other
 * property is an RPC method of its entrypoint (a `WorkerEntrypoint` class: the default export, or the binding's
 * `entrypoint`), called in one of its instances with structured-clone arguments and result.
 */
import { callBinding, rpcStub } from './call.ts';
import { fetchThrough } from './durableObjects.ts';

export function serviceBinding(binding: string): unknown {
  return rpcStub(
    {
      fetch: (input: unknown, init?: unknown) => fetchThrough((request) => callBinding(binding, 'fetch', [request]), input, init),
      connect(): never {
        throw new Error('connect() on a service binding is not available in Worker Studio yet.');
      },
    },
    (method, args) => callBinding(binding, 'rpc', [method, args]),
  );
}
