/**
 * structuredClone (HTML Standard's StructuredSerialize/Deserialize, in one pass): primitives (not symbols), wrapper
 * objects, Date, RegExp, ArrayBuffer, typed arrays, DataView, Map, Set, Error types, arrays and plain objects, with
 * shared references and cycles kept. Functions, symbols and other platform/exotic objects throw DataCloneError.
 * `transfer` detaches the listed ArrayBuffers (the clone gets their bytes).
 */
import { Blob, File } from './blob.ts';
import { DOMException } from './domException.ts';

type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedArrayCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;

const TYPED: Record<string, TypedArrayCtor> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};
const g = globalThis as Record<string, unknown>;
if (typeof g.Float16Array === 'function') TYPED.Float16Array = g.Float16Array as TypedArrayCtor;

const ERROR_NAMES = new Set(['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError']);
const ERROR_CTORS: Record<string, ErrorConstructor> = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

const tag = (value: object) => Object.prototype.toString.call(value).slice(8, -1);

function uncloneable(value: unknown): never {
  let text: string;
  try {
    text = typeof value === 'symbol' ? value.toString() : typeof value === 'function' ? Function.prototype.toString.call(value) : `#<${tag(value as object)}>`;
  } catch {
    text = 'value';
  }
  throw new DOMException(`${text} could not be cloned.`, 'DataCloneError');
}

function cloneBuffer(buffer: ArrayBuffer): ArrayBuffer {
  return buffer.slice(0);
}

export function structuredClone(...args: unknown[]): unknown {
  if (args.length === 0) throw new TypeError("Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'Value'.");
  const [value, options] = args as [unknown, { transfer?: Iterable<unknown> } | undefined];
  const transfer = options?.transfer === undefined ? [] : [...options.transfer];
  for (const item of transfer) {
    if (!(item instanceof ArrayBuffer)) uncloneable(item);
    if (item.byteLength === 0 && (item as { detached?: boolean }).detached) throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
  }
  const memory = new Map<object, unknown>();

  const clone = (input: unknown): unknown => {
    if (typeof input === 'symbol' || typeof input === 'function') uncloneable(input);
    if (typeof input !== 'object' || input === null) return input;
    if (memory.has(input)) return memory.get(input);
    const kind = tag(input);
    let out: unknown;
    if (input instanceof ArrayBuffer || kind === 'ArrayBuffer') {
      if ((input as { detached?: boolean }).detached) throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
      out = cloneBuffer(input as ArrayBuffer);
      memory.set(input, out);
      return out;
    }
    if (ArrayBuffer.isView(input)) {
      const buffer = clone(input.buffer) as ArrayBuffer;
      out = input instanceof DataView ? new DataView(buffer, input.byteOffset, input.byteLength) : new (TYPED[kind] as TypedArrayCtor)(buffer, input.byteOffset, (input as TypedArray).length);
      memory.set(input, out);
      return out;
    }
    if (input instanceof Blob) {
      const bytes = input._bytes().slice();
      out = input instanceof File ? new File([bytes], input.name, { type: input.type, lastModified: input.lastModified }) : Blob._fromBytes(bytes, input.type);
      memory.set(input, out);
      return out;
    }
    switch (kind) {
      // workerd clones a Request as the plain object its wrapper is (no own properties).
      case 'Request':
        out = {};
        break;
      case 'Boolean':
        out = Object(Boolean.prototype.valueOf.call(input));
        break;
      case 'Number':
        out = Object(Number.prototype.valueOf.call(input));
        break;
      case 'String':
        out = Object(String.prototype.valueOf.call(input));
        break;
      case 'BigInt':
        out = Object(BigInt.prototype.valueOf.call(input));
        break;
      case 'Date':
        out = new Date(Date.prototype.getTime.call(input));
        break;
      case 'RegExp': {
        const re = input as RegExp;
        out = new RegExp(re.source, re.flags);
        break;
      }
      case 'Map': {
        const map = new Map();
        memory.set(input, map);
        for (const [k, v] of [...(input as Map<unknown, unknown>)]) map.set(clone(k), clone(v));
        return map;
      }
      case 'Set': {
        const set = new Set();
        memory.set(input, set);
        for (const v of [...(input as Set<unknown>)]) set.add(clone(v));
        return set;
      }
      case 'Error': {
        const err = input as Error;
        const nameValue = err.name;
        const name = typeof nameValue === 'string' && ERROR_NAMES.has(nameValue) ? nameValue : 'Error';
        const proto = Object.getPrototypeOf(err);
        const ctorName = Object.keys(ERROR_CTORS).find((n) => (ERROR_CTORS[n] as ErrorConstructor).prototype === proto);
        const result = new (ERROR_CTORS[ctorName ?? name] as ErrorConstructor)();
        memory.set(input, result);
        const messageDesc = Object.getOwnPropertyDescriptor(err, 'message');
        if (messageDesc && 'value' in messageDesc) Object.defineProperty(result, 'message', { value: String(messageDesc.value), writable: true, configurable: true, enumerable: false });
        else delete (result as { message?: string }).message;
        // As workerd (V8's serializer): stack and cause come back as enumerable own properties.
        const stack = (err as { stack?: unknown }).stack;
        if (typeof stack === 'string') Object.defineProperty(result, 'stack', { value: stack, writable: true, configurable: true, enumerable: true });
        if (Object.prototype.hasOwnProperty.call(err, 'cause')) Object.defineProperty(result, 'cause', { value: clone((err as { cause?: unknown }).cause), writable: true, configurable: true, enumerable: true });
        // As workerd: other own enumerable properties (a custom `name` included) come along.
        for (const key of Object.keys(err)) {
          if (key !== 'message' && key !== 'stack' && key !== 'cause') (result as unknown as Record<string, unknown>)[key] = clone((err as unknown as Record<string, unknown>)[key]);
        }
        return result;
      }
      case 'Array': {
        const array = new Array((input as unknown[]).length);
        memory.set(input, array);
        for (const key of Object.keys(input)) (array as unknown as Record<string, unknown>)[key] = clone((input as Record<string, unknown>)[key]);
        return array;
      }
      case 'Object': {
        if (isPlatformObject(input)) uncloneable(input);
        const object: Record<string, unknown> = {};
        memory.set(input, object);
        for (const key of Object.keys(input)) object[key] = clone((input as Record<string, unknown>)[key]);
        return object;
      }
      default:
        // Class instances whose toStringTag is custom still clone as plain objects; exotic built-ins don't.
        if (NON_CLONEABLE.has(kind) || isPlatformObject(input)) uncloneable(input);
        if (Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input) ?? {}, Symbol.toStringTag)) uncloneable(input);
        {
          const object: Record<string, unknown> = {};
          memory.set(input, object);
          for (const key of Object.keys(input)) object[key] = clone((input as Record<string, unknown>)[key]);
          return object;
        }
    }
    memory.set(input, out);
    return out;
  };

  const result = clone(value);
  for (const item of transfer) (item as ArrayBuffer & { transfer?: () => ArrayBuffer }).transfer?.();
  return result;
}

const NON_CLONEABLE = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'Proxy', 'FinalizationRegistry', 'Generator', 'AsyncGenerator', 'Arguments']);

/** Objects whose class is one of the platform's own (URL, Headers, Request...): not serializable. */
function isPlatformObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto !== null && proto !== Object.prototype && typeof proto.constructor === 'function' && PLATFORM_CLASSES.has(proto.constructor);
}
export const PLATFORM_CLASSES = new Set<unknown>();
