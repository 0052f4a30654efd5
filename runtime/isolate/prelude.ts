/**
 * The Web platform for a bare V8 context, evaluated (as dist/prelude.js, an IIFE) in each worker context before the
 * worker module. Installs the globals, then leaves `bridge` under BRIDGE_GLOBAL for the host to take and delete.
 */
import { bridge, hostLog } from './bridge.ts';
import { addEventListener, FetchEvent, ScheduledEvent } from './handlers.ts';
import { createConsole } from './console.ts';
import { TextDecoder, TextEncoder } from './encoding.ts';
import { Headers } from './headers.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { URL, URLSearchParams } from './url.ts';
import { URLPattern } from './urlPattern.ts';
import { DOMException } from './domException.ts';
import { CustomEvent, Event, EventTarget } from './events.ts';
import { AbortController, AbortSignal } from './abort.ts';
import { atob, btoa } from './base64.ts';
import { structuredClone } from './structuredClone.ts';
import { Navigator, navigator } from './globals.ts';
import { clearInterval, clearTimeout, performance, scheduler, setInterval, setTimeout } from './timers.ts';
import { crypto, Crypto, CryptoKey, SubtleCrypto } from './crypto.ts';
import { fetch } from './fetch.ts';
import { Cache, CacheStorage } from './cache.ts';
import { WORKERS_MODULE_GLOBAL, workersModule } from './cloudflareWorkers.ts';
import { BRIDGE_GLOBAL } from './wire.ts';
import * as streams from './streams.ts';
import { Blob, File } from './blob.ts';
import { FormData } from './formdata.ts';
import { installGlobalStateProbe } from './globalState.ts';

const global = globalThis as unknown as Record<string, unknown>;

function define(name: string, value: unknown): void {
  // Web IDL globals are writable, configurable and not enumerable.
  Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
}

define('console', createConsole(hostLog, global.console as Record<string, (...args: unknown[]) => void> | undefined));
define('TextEncoder', TextEncoder);
define('TextDecoder', TextDecoder);
define('URL', URL);
define('URLSearchParams', URLSearchParams);
define('Headers', Headers);
define('Request', Request);
define('Response', Response);
define('FetchEvent', FetchEvent);
define('ScheduledEvent', ScheduledEvent);
define('addEventListener', addEventListener);
// workerd: `self` is an own, enumerable property of the global scope.
Object.defineProperty(global, 'self', { value: globalThis, writable: true, configurable: true, enumerable: true });
// Slice B: spec libraries and small globals.
define('URLPattern', URLPattern);
define('DOMException', DOMException);
define('Event', Event);
define('EventTarget', EventTarget);
define('CustomEvent', CustomEvent);
define('AbortController', AbortController);
define('AbortSignal', AbortSignal);
define('atob', atob);
define('btoa', btoa);
define('structuredClone', structuredClone);
define('Navigator', Navigator);
Object.defineProperty(global, 'navigator', { value: navigator, writable: true, configurable: true, enumerable: true });
// Slice D: what crosses to the host (timers, crypto, fetch).
define('setTimeout', setTimeout);
define('setInterval', setInterval);
define('clearTimeout', clearTimeout);
define('clearInterval', clearInterval);
define('scheduler', scheduler);
define('performance', performance);
define('crypto', crypto);
define('Crypto', Crypto);
define('CryptoKey', CryptoKey);
define('SubtleCrypto', SubtleCrypto);
define('fetch', fetch);
define('caches', new CacheStorage());
// `cloudflare:workers` (DurableObject, WorkerEntrypoint, …): re-exported by a module the host links (workerIsolate.ts).
define(WORKERS_MODULE_GLOBAL, workersModule);
define('Cache', Cache);
define('CacheStorage', CacheStorage);
// Slice C: streams and bodies.
for (const name of [
  'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController',
  'ReadableByteStreamController', 'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream',
  'TransformStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream',
  'CompressionStream', 'DecompressionStream',
] as const) {
  define(name, streams[name]);
}
define('Blob', Blob);
define('File', File);
define('FormData', FormData);
define('queueMicrotask', (callback: () => void) => {
  if (typeof callback !== 'function') throw new TypeError('queueMicrotask expects a function');
  Promise.resolve().then(callback);
});
// Global state caught at run time: the registry instrumented modules ask for their probe (globalState.ts).
installGlobalStateProbe(hostLog);
define(BRIDGE_GLOBAL, bridge);
