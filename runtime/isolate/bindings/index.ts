/** The `env` objects of the worker's bindings, from what the host says the config declares (WireBinding). */
import type { WireBinding } from '../hostWire.ts';
import { D1Database } from './d1.ts';
import { KVNamespace } from './kv.ts';
import { Queue } from './queue.ts';
import { DurableObjectNamespace } from './durableObjects.ts';
import { serviceBinding } from './service.ts';
import { R2Bucket } from './r2.ts';

export function bindingObjects(bindings: readonly WireBinding[]): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const binding of bindings) {
    if (binding.kind === 'kv') env[binding.name] = new KVNamespace(binding.name);
    else if (binding.kind === 'd1') env[binding.name] = new D1Database(binding.name);
    else if (binding.kind === 'r2') env[binding.name] = new R2Bucket(binding.name);
    else if (binding.kind === 'queue') env[binding.name] = new Queue(binding.name);
    else if (binding.kind === 'durableObject') env[binding.name] = new DurableObjectNamespace(binding.name);
    else if (binding.kind === 'service') env[binding.name] = serviceBinding(binding.name);
  }
  return env;
}
