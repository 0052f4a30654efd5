/**
 * The host side of the worker's bindings: what `env.<NAME>` objects in the isolate call (one `binding` reference of
 * HostServices, `runtime/isolate/bindings/`), dispatched by binding name to the store that keeps its data. One per
 * sidecar, shared by every instance and every reload: instances see the same data, and a reload that changes the
 * config's bindings only changes which names lead where (`configure`).
 *
 * A call never rejects: a refusal comes back as data (`{ ok: false, error }`) and is thrown again in the isolate with
 * the kind of error the real binding throws.
 */
import type { BindingDeclaration } from '../../../common/bindings.ts';
import type { WireBinding, WireBindingCall, WireBindingResult, WireThrown } from '../../isolate/hostWire.ts';
import { openDatabase, type Persistence } from '../storage/persistence.ts';
import { checkCacheTtl, KvStore } from './kvStore.ts';

/** The binding kinds the runtime provides. */
export const PROVIDED_KINDS: ReadonlySet<BindingDeclaration['kind']> = new Set(['kv']);

/** A KV binding's namespace: its `id` (what wrangler keys local data by), else its `preview_id`, else its name. */
function kvNamespaceId(binding: BindingDeclaration): string {
  const { id, preview_id: previewId } = binding.settings as { id?: unknown; preview_id?: unknown };
  return typeof id === 'string' && id ? id : typeof previewId === 'string' && previewId ? previewId : binding.name;
}

type KvGetResult = { value: Uint8Array; metadata: string | null } | null;

export class BindingHost {
  readonly #persistence: Persistence;
  #kv: KvStore | undefined;
  #kvDb: ReturnType<typeof openDatabase> | undefined;
  /** Binding name → what it leads to. */
  #routes = new Map<string, { kind: 'kv'; namespace: string }>();

  constructor(persistence: Persistence) {
    this.#persistence = persistence;
  }

  /** The bindings of the current config (of the kinds in PROVIDED_KINDS); answers what the isolate builds `env` from. */
  configure(bindings: readonly BindingDeclaration[]): WireBinding[] {
    const routes = new Map<string, { kind: 'kv'; namespace: string }>();
    const wire: WireBinding[] = [];
    for (const binding of bindings) {
      if (binding.kind !== 'kv') continue;
      routes.set(binding.name, { kind: 'kv', namespace: kvNamespaceId(binding) });
      wire.push({ name: binding.name, kind: 'kv' });
    }
    this.#routes = routes;
    return wire;
  }

  /** The isolate's call (HostServices' `binding` reference). */
  call(call: WireBindingCall): WireBindingResult {
    try {
      return { ok: true, value: this.#dispatch(call) };
    } catch (err) {
      return { ok: false, error: asWireThrown(err) };
    }
  }

  #dispatch({ binding, op, args }: WireBindingCall): unknown {
    const route = this.#routes.get(binding);
    if (!route) throw new Error(`The binding env.${binding} no longer exists in the config (it was removed by a reload).`);
    return this.#kvCall(route.namespace, op, args);
  }

  #kvCall(namespace: string, op: string, args: unknown[]): unknown {
    const kv = this.#kvStore();
    switch (op) {
      case 'get': {
        const [key, cacheTtl] = args as [string, number | undefined];
        checkCacheTtl('GET', cacheTtl);
        const entry = kv.get(namespace, key);
        return entry && ({ value: entry.value, metadata: entry.metadata } satisfies KvGetResult);
      }
      case 'getBulk': {
        const [keys, type, cacheTtl] = args as [string[], string, number | undefined];
        if (type !== 'text' && type !== 'json') throw new Error(`KV GET_BULK failed: 400 "${type}" is not a valid type. Use "json" or "text"`);
        if (keys.length > 100) throw new Error('KV GET_BULK failed: 400 You can request a maximum of 100 keys');
        checkCacheTtl('GET_BULK', cacheTtl);
        return keys.map((key): KvGetResult => {
          const entry = kv.get(namespace, key, 'GET_BULK');
          return entry && { value: entry.value, metadata: entry.metadata };
        });
      }
      case 'put': {
        const [key, value, options] = args as [string, Uint8Array, { expiration?: number; expirationTtl?: number; metadata?: string }];
        kv.put(namespace, key, value, options);
        return undefined;
      }
      case 'delete':
        kv.delete(namespace, args[0] as string);
        return undefined;
      case 'list':
        return kv.list(namespace, args[0] as { prefix?: string; limit?: number; cursor?: string });
      default:
        throw new TypeError(`Unknown KV operation ${op}`);
    }
  }

  #kvStore(): KvStore {
    if (!this.#kv) {
      this.#kvDb = openDatabase(this.#persistence, 'kv');
      this.#kv = new KvStore(this.#kvDb);
    }
    return this.#kv;
  }

  /** Closes the databases (the sidecar is stopping; every acknowledged write is already on disk). */
  close(): void {
    this.#kvDb?.close();
    this.#kvDb = undefined;
    this.#kv = undefined;
  }
}

function asWireThrown(err: unknown): WireThrown {
  if (err instanceof TypeError) return { name: 'TypeError', message: err.message };
  if (err instanceof RangeError) return { name: 'RangeError', message: err.message };
  if (err instanceof Error) return { name: 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}
