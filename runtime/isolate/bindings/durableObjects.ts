/**
 * `env.<NAMESPACE>`: a Durable Object namespace (DurableObjectNamespace of @cloudflare/workers-types) — ids from names
 * (the same name always gives the same id, across restarts), unique ids, ids from strings, and stubs. A stub's `fetch`
 * and its RPC methods (any other property) go through the host to the one place the object lives
 * (runtime/isolate/objects.ts, in the pool's objects context): arguments and results are structured clones, as in
 * production, and an object handles one event at a time.
 */
import { host } from '../host.ts';
import { callBinding, rpcStub } from './call.ts';
import { Request } from '../request.ts';
import { Response } from '../response.ts';
import { crypto } from '../crypto.ts';
import { NULL_BODY_STATUSES } from '../wire.ts';

const ID_PATTERN = /^[0-9a-f]{64}$/;

export class DurableObjectId {
  readonly #hex: string;
  readonly name: string | undefined;
  constructor(hex: string, name?: string) {
    this.#hex = hex;
    this.name = name;
  }
  toString(): string {
    return this.#hex;
  }
  equals(other: DurableObjectId): boolean {
    return other instanceof DurableObjectId && other.#hex === this.#hex;
  }
}

/** An object's fetch as it crosses: the whole request and response, bodies as bytes. */
export interface WireObjectRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array | null;
}
export interface WireObjectResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | null;
}


/** A fetch through a stub (an object's, another worker's): the whole request and the whole response cross as bytes. */
export async function fetchThrough(send: (request: WireObjectRequest) => Promise<unknown>, input: unknown, init?: unknown): Promise<Response> {
  const request = new Request(input as never, init as never);
  const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
  const answer = (await send({ method: request.method, url: request.url, headers: [...request.headers], body })) as WireObjectResponse;
  return new Response(NULL_BODY_STATUSES.includes(answer.status) ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
}

/** The stub of one object: `fetch`, `id`, `name`, and every other property an RPC method. */
function stub(binding: string, id: DurableObjectId): unknown {
  const object = [id.toString(), id.name ?? null];
  return rpcStub(
    {
      id,
      name: id.name,
      fetch: (input: unknown, init?: unknown) => fetchThrough((request) => callBinding(binding, 'fetch', [...object, request]), input, init),
    },
    (method, args) => callBinding(binding, 'rpc', [...object, method, args]),
  );
}

export class DurableObjectNamespace {
  readonly #binding: string;

  constructor(binding: string) {
    this.#binding = binding;
  }

  idFromName(name: unknown): DurableObjectId {
    const text = String(name);
    const hex = host().objectIdFromName.applySync(undefined, [this.#binding, text]) as string;
    return new DurableObjectId(hex, text);
  }

  newUniqueId(): DurableObjectId {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    return new DurableObjectId(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
  }

  idFromString(text: unknown): DurableObjectId {
    const hex = String(text);
    if (!ID_PATTERN.test(hex)) throw new TypeError('Invalid Durable Object ID: must be 64 hex digits');
    return new DurableObjectId(hex);
  }

  get(id: DurableObjectId): unknown {
    if (!(id instanceof DurableObjectId)) throw new TypeError("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    return stub(this.#binding, id);
  }

  getByName(name: unknown): unknown {
    return this.get(this.idFromName(name));
  }

  jurisdiction(): DurableObjectNamespace {
    return this;
  }
}
