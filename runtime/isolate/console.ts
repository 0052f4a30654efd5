/**
 * `console` for the worker: each call is formatted here (like Node's util.format, simplified) and sent to the host
 * with its level, and is also passed to the context's original console, which talks to an attached inspector —
 * so output shows both in the terminal/extension log and in a debugger's console.
 */
import type { WireLogLevel } from './wire.ts';

export type LogSink = (level: WireLogLevel, message: string, location?: string) => void;

/** Script URL of the prelude itself (runtime/src/stackMapper.ts PRELUDE_FILENAME): its frames are never the caller. */
const PRELUDE_FILENAME = 'worker-studio:prelude.js';
const FRAME = /^\s*at (?:.*?\()?(.+?:\d+:\d+)\)?$/;

/**
 * `url:line:column` of the first frame outside the prelude: the console call in the worker's code (the host maps it
 * through the bundle's source map). A short stack trace is cheap next to the log itself (~µs).
 */
function callerLocation(): string | undefined {
  const V8Error = Error as unknown as { stackTraceLimit: number };
  const limit = V8Error.stackTraceLimit;
  V8Error.stackTraceLimit = 6;
  const stack = new Error().stack;
  V8Error.stackTraceLimit = limit;
  if (!stack) return undefined;
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line);
    if (match && !line.includes(PRELUDE_FILENAME)) return match[1];
  }
  return undefined;
}

function inspect(value: unknown, depth: number, seen: Set<unknown>): string {
  if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[Function: ${value.name || '(anonymous)'}]`;
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (seen.has(value)) return '[Circular]';
  if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v, depth + 1, seen)).join(', ')} ]`;
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`).join(', ')} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, seen)).join(', ')} }`;
    if (value instanceof Date) return value.toISOString();
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength}) [ ${[...new Uint8Array(value.buffer, value.byteOffset, Math.min(value.byteLength, 32))].join(', ')}${value.byteLength > 32 ? ', …' : ''} ]`;
    const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    if (typeof tag === 'string' && typeof (value as { toString?: unknown }).toString === 'function' && (tag === 'URL' || tag === 'URLSearchParams')) {
      return `${tag} { ${String(value)} }`;
    }
    const entries = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v, depth + 1, seen)}`);
    const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : '';
    return entries.length ? `${name}{ ${entries.join(', ')} }` : `${name}{}`;
  } finally {
    seen.delete(value);
  }
}

/** util.format-style: `%s %d %i %f %j %o %O %c` in a leading string, remaining arguments appended with spaces. */
export function formatArgs(args: unknown[]): string {
  let rest = args;
  let head = '';
  if (typeof args[0] === 'string' && args[0].includes('%')) {
    let index = 1;
    head = args[0].replace(/%([sdifjoOc%])/g, (match, spec: string) => {
      if (spec === '%') return '%';
      if (index >= args.length) return match;
      const arg = args[index++];
      switch (spec) {
        case 's':
          return typeof arg === 'string' ? arg : inspect(arg, 1, new Set());
        case 'd':
        case 'i':
          return typeof arg === 'bigint' ? `${arg}n` : String(spec === 'i' ? Math.trunc(Number(arg)) : Number(arg));
        case 'f':
          return String(Number(arg));
        case 'j':
          return JSON.stringify(arg);
        case 'c':
          return '';
        default:
          return inspect(arg, 1, new Set());
      }
    });
    rest = args.slice(index);
    return [head, ...rest.map((a) => inspect(a, 0, new Set()))].join(' ');
  }
  return rest.map((a) => inspect(a, 0, new Set())).join(' ');
}

type InspectorConsole = Partial<Record<string, (...args: unknown[]) => void>>;

export function createConsole(sink: LogSink, inspectorConsole: InspectorConsole | undefined): Record<string, unknown> {
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const method = (level: WireLogLevel, name: string) =>
    function (...args: unknown[]) {
      inspectorConsole?.[name]?.(...args);
      sink(level, formatArgs(args), callerLocation());
    };
  const log = method('log', 'log');
  return {
    log,
    info: method('info', 'info'),
    debug: method('debug', 'debug'),
    trace: method('debug', 'trace'),
    warn: method('warn', 'warn'),
    error: method('error', 'error'),
    dir: method('log', 'dir'),
    table: method('log', 'table'),
    assert(condition: unknown, ...args: unknown[]) {
      if (!condition) sink('error', formatArgs(['Assertion failed' + (args.length ? ':' : ''), ...args]), callerLocation());
    },
    count(label = 'default') {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      log(`${label}: ${n}`);
    },
    countReset(label = 'default') {
      counts.delete(label);
    },
    time(label = 'default') {
      timers.set(label, Date.now());
    },
    timeEnd(label = 'default') {
      const start = timers.get(label);
      timers.delete(label);
      if (start !== undefined) log(`${label}: ${Date.now() - start}ms`);
    },
    timeLog(label = 'default', ...args: unknown[]) {
      const start = timers.get(label);
      if (start !== undefined) log(`${label}: ${Date.now() - start}ms`, ...args);
    },
    group: log,
    groupCollapsed: log,
    groupEnd() {},
  };
}
