/**
 * Global state, caught at run time (the isolate side): warns when module-scope state or the global object changes
 * while the worker handles a request. In production an isolate serves many requests, two requests may land on
 * different instances and an instance can be evicted at any time, so such state is a bug.
 *
 * - The probe registry: modules instrumented at build time (runtime/src/globalStateProbe.ts) call the probe this
 *   returns for them at each write to module-scope or global state. Until the worker has loaded (its top level and
 *   whatever that calls) a probe returns at once; afterwards each site is reported once per instance, then returns
 *   at once again. A method call's receiver must be a Map, Set, Array, … for the call to count; a member write whose
 *   object is the global object (whatever it is called) is a global write.
 * - The global object, without instrumentation: its own properties after load are kept, and at the end of each event
 *   (past the first 64, of every 32nd: see checkGlobalState) a new, changed or deleted global not already reported is
 *   reported (where, when an instrumented write with a computed name ran; else unknown, e.g. a dependency's code).
 * Warnings go through the console path (the host maps and prints them like `console.warn`).
 */
import type { WireLogLevel } from './wire.ts';
import { Headers } from './headers.ts';
import { FormData } from './formdata.ts';
import { URLSearchParams } from './url.ts';

export type GlobalStateLog = (level: WireLogLevel, message: string, location?: string) => void;

/** One site, as runtime/src/globalStateProbe.ts describes it (ProbeSite). */
interface Site {
  kind: 'binding' | 'member' | 'method';
  scope: 'module' | 'global';
  name: string;
  target?: string;
  property?: string;
  method?: string;
  declared?: number;
  line: number;
  column: number;
}

/** One instrumented module's sites. */
interface SiteTable {
  /** Absolute path of the original file. */
  file: string;
  /** The file relative to the project root. */
  display: string;
  sites: Site[];
}

type Probe = (site: number, value: unknown) => unknown;

/** Must match PROBE_REGISTRY in runtime/src/globalStateProbe.ts. */
const REGISTRY = Symbol.for('worker-studio.probe');

const ADVICE =
  'Requests may be served by different instances, and an instance can be evicted at any time: keep per-request state in the handler, and state that must last in storage (KV, Durable Objects).';

// The context's own constructors, kept before the worker could replace the globals.
const IntrinsicMap = Map;
const IntrinsicSet = Set;
const IntrinsicWeakMap = WeakMap;
const IntrinsicWeakSet = WeakSet;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const ownKeys = Reflect.ownKeys;
const describe = Object.getOwnPropertyDescriptor;
const is = Object.is;
const global = globalThis;

/** Which methods change which kind of object. */
const MUTATORS: Record<string, ReadonlySet<string>> = {
  Array: new IntrinsicSet(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']),
  Map: new IntrinsicSet(['set', 'delete', 'clear']),
  Set: new IntrinsicSet(['add', 'delete', 'clear']),
  WeakMap: new IntrinsicSet(['set', 'delete']),
  WeakSet: new IntrinsicSet(['add', 'delete']),
  TypedArray: new IntrinsicSet(['set', 'fill', 'sort', 'reverse', 'copyWithin']),
  Headers: new IntrinsicSet(['set', 'append', 'delete']),
  URLSearchParams: new IntrinsicSet(['set', 'append', 'delete', 'sort']),
  FormData: new IntrinsicSet(['set', 'append', 'delete']),
};

/** The kind of collection `value` is when `method` changes it ('Map', 'Uint8Array', …); undefined otherwise. */
function changedCollection(value: unknown, method: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  let kind: string;
  let name: string | undefined;
  if (isArray(value)) kind = 'Array';
  else if (value instanceof IntrinsicMap) kind = 'Map';
  else if (value instanceof IntrinsicSet) kind = 'Set';
  else if (value instanceof IntrinsicWeakMap) kind = 'WeakMap';
  else if (value instanceof IntrinsicWeakSet) kind = 'WeakSet';
  else if (isView(value) && !(value instanceof DataView)) {
    kind = 'TypedArray';
    name = (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
  } else if (value instanceof Headers) kind = 'Headers';
  else if (value instanceof URLSearchParams) kind = 'URLSearchParams';
  else if (value instanceof FormData) kind = 'FormData';
  else return undefined;
  return MUTATORS[kind]?.has(method) ? (name ?? kind) : undefined;
}

let log: GlobalStateLog | undefined;
/** Set once the worker's module has evaluated and its handlers are installed. */
let loaded = false;
/** The global object's own properties after load. */
let snapshot: Map<PropertyKey, PropertyDescriptor> | undefined;
/** Globals already reported, by name (by a site or by the end-of-event check). */
const reportedGlobals = new IntrinsicSet<string>();
/** The last write to a global with a computed name (`globalThis[key] = …`) since the last check. */
let computedWrite: { table: SiteTable; site: Site } | undefined;

const where = (table: SiteTable, site: Site) => `${table.display}:${site.line}:${site.column}`;

/** What changed, for the message: "`count` (module scope, declared src/index.ts:1)", "the global `x`", … */
function subject(table: SiteTable, site: Site, collection?: string): string {
  const { name, target } = site;
  const plain = !target || target === name || target === `globalThis.${name}` || target === `self.${name}`;
  if (site.scope === 'global') {
    if (!name) return collection ? `the ${collection} \`${target}\`` : `a global (\`${target}\`)`;
    if (plain) return collection ? `the ${collection} in the global \`${name}\`` : `the global \`${name}\``;
    return `${collection ? `the ${collection} ` : ''}\`${target}\` (in the global \`${name}\`)`;
  }
  const what = collection ? `the ${collection} ` : '';
  const declared = site.declared ? `, declared ${table.display}:${site.declared}` : '';
  if (plain) return `${what}\`${name}\` (module scope${declared})`;
  return `${what}\`${target}\` (in \`${name}\`: module scope${declared})`;
}

function warn(message: string, location?: string): void {
  log?.('warn', `Global state: ${message}. ${ADVICE}`, location);
}

function reportSite(table: SiteTable, site: Site, collection?: string): void {
  const by = site.kind === 'method' ? ` by .${site.method}()` : '';
  if (site.scope === 'global' && site.name) reportedGlobals.add(site.name);
  warn(`${subject(table, site, collection)} is changed${by} while handling a request (${where(table, site)})`, `${table.file}:${site.line}:${site.column}`);
}

/** A member write whose object is the global object: reported as the global `name`. */
function reportGlobalWrite(table: SiteTable, site: Site, name: string): void {
  reportedGlobals.add(name);
  const target = site.target;
  const through = target && target !== `globalThis.${name}` && target !== `self.${name}` ? ` (as \`${target}\`)` : '';
  warn(`the global \`${name}\`${through} is changed while handling a request (${where(table, site)})`, `${table.file}:${site.line}:${site.column}`);
}

/** The probe of one instrumented module. */
function register(table: SiteTable): Probe {
  const done = new Uint8Array(table.sites.length);
  /** Per method site, the last receiver found not to be a collection (checked again only when it changes). */
  const ignored: unknown[] = [];
  const hit = (index: number, value: unknown): unknown => {
    const site = table.sites[index];
    if (!site) return value;
    if (site.kind === 'method') {
      if (ignored[index] === value && value !== undefined) return value;
      const collection = changedCollection(value, site.method ?? '');
      // Not a collection this method changes (a KV namespace's delete(), a class of the worker's own): not counted.
      if (!collection) {
        ignored[index] = value;
        return value;
      }
      done[index] = 1;
      reportSite(table, site, collection);
      return value;
    }
    if (site.kind === 'member' && value === global) {
      // globalThis, under any name (`const scope = globalThis; … scope.x = 1`): a global write.
      if (site.property === undefined) {
        // Which global it was shows at the end of the event.
        computedWrite = { table, site };
        return value;
      }
      done[index] = 1;
      reportGlobalWrite(table, site, site.property);
      return value;
    }
    done[index] = 1;
    reportSite(table, site);
    return value;
  };
  return (index, value) => (!loaded || done[index] === 1 ? value : hit(index, value));
}

function takeSnapshot(): Map<PropertyKey, PropertyDescriptor> {
  const properties = new IntrinsicMap<PropertyKey, PropertyDescriptor>();
  for (const key of ownKeys(global)) {
    const descriptor = describe(global, key);
    if (descriptor) properties.set(key, descriptor);
  }
  return properties;
}

const same = (a: PropertyDescriptor, b: PropertyDescriptor) => is(a.value, b.value) && is(a.get, b.get) && is(a.set, b.set);

/** Installs the probe registry on the context's global object (called by the prelude). */
export function installGlobalStateProbe(sink: GlobalStateLog): void {
  log = sink;
  Object.defineProperty(global, REGISTRY, { value: register, writable: false, enumerable: false, configurable: false });
}

/** The worker has loaded: from now on changes are reported. */
export function workerLoaded(): void {
  loaded = true;
  snapshot = takeSnapshot();
}

/** Events ended since load. */
let events = 0;
/** After this many events the global object is compared at the end of every CHECK_EVERY-th event only. */
const CHECK_ALL = 64;
const CHECK_EVERY = 32;

/**
 * At the end of each event: reports globals added, changed or deleted since load that no site has reported. The
 * comparison costs ~20 µs (the global object has ~130 properties), so past the first CHECK_ALL events (a developer's
 * requests) it runs every CHECK_EVERY events, or at once after a write to a computed global: a load test does not pay
 * it on every request, and a change is still reported, a few requests later.
 */
export function checkGlobalState(): void {
  const before = snapshot;
  if (!before) return;
  events++;
  if (events > CHECK_ALL && events % CHECK_EVERY !== 0 && !computedWrite) return;
  const write = computedWrite;
  computedWrite = undefined;
  const report = (key: PropertyKey, change: string) => {
    const name = String(key);
    if (reportedGlobals.has(name)) return;
    reportedGlobals.add(name);
    if (write) {
      warn(`the global \`${name}\` is ${change} while handling a request (${where(write.table, write.site)})`, `${write.table.file}:${write.site.line}:${write.site.column}`);
    } else {
      warn(`the global \`${name}\` is ${change} while handling a request (where is not known: not by a write in the worker's own modules, e.g. by a dependency or Object.defineProperty)`);
    }
  };
  const now = ownKeys(global);
  for (const key of now) {
    const old = before.get(key);
    const descriptor = describe(global, key);
    if (!old) report(key, 'added');
    else if (descriptor && !same(old, descriptor)) report(key, 'changed');
  }
  if (now.length < before.size || now.some((key) => !before.has(key))) {
    const present = new IntrinsicSet<PropertyKey>(now);
    for (const key of before.keys()) if (!present.has(key)) report(key, 'deleted');
  }
}
