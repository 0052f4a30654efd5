/**
 * The Web platform for a bare V8 context, evaluated (as dist/prelude.js, an IIFE) in each worker context before the
 * worker module. Installs the globals, then leaves `bridge` under BRIDGE_GLOBAL for the host to take and delete.
 */
import { addEventListener, bridge, FetchEvent, hostLog } from './bridge.ts';
import { createConsole } from './console.ts';
import { TextDecoder, TextEncoder } from './encoding.ts';
import { Headers } from './headers.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { URL, URLSearchParams } from './url.ts';
import { BRIDGE_GLOBAL } from './wire.ts';

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
define('addEventListener', addEventListener);
define('self', globalThis);
define('queueMicrotask', (callback: () => void) => {
  if (typeof callback !== 'function') throw new TypeError('queueMicrotask expects a function');
  Promise.resolve().then(callback);
});
define(BRIDGE_GLOBAL, bridge);
