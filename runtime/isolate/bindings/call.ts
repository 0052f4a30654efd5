/**
 * What every binding object does to reach the host: one operation through HostServices' `binding` reference
 * (runtime/src/bindings/bindingHost.ts), its answer resumed in the caller's request context, and a refusal thrown
 * again as the kind of error the real binding throws (with the remote stack when the host has one). Stubs of other
 * places (a Durable Object, another worker) turn any property into an RPC method.
 */
import { host, rethrown } from '../host.ts';
import { resumeIn } from '../ioContext.ts';
import type { WireBindingResult, WireThrown } from '../hostWire.ts';

/** The host's answer as data (a binding that words its own errors, as D1 does, takes it from here). */
export function bindingResult(binding: string, op: string, args: unknown[]): Promise<WireBindingResult> {
  return resumeIn(host().binding.apply(undefined, [{ binding, op, args }], { arguments: { copy: true }, result: { promise: true, copy: true } }));
}

/** The host's answer; its refusal thrown. */
export async function callBinding(binding: string, op: string, args: unknown[]): Promise<unknown> {
  const result = await bindingResult(binding, op, args);
  if (!result.ok) {
    const remote = result.error as WireThrown & { stack?: string };
    const error = rethrown(remote);
    if (remote.stack) error.stack = remote.stack;
    throw error;
  }
  return result.value;
}

/**
 * `target`'s own properties as they are; any other property an RPC method (`rpc(name, args)`). Not a thenable: `await
 * stub` gives the stub, not a call of a `then` method.
 */
export function rpcStub<T extends object>(target: T, rpc: (method: string, args: unknown[]) => Promise<unknown>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'symbol' || property in object) return Reflect.get(object, property);
      if (property === 'then') return undefined;
      return (...args: unknown[]) => rpc(property, args);
    },
  });
}
