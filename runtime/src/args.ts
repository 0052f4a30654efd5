/**
 * Command line of the runtime sidecar: `dev [PATH] [--port N] [--inspect[=PORT]] [--instances N] …` (see USAGE)
 * (the CLI passes everything after `dev` through unchanged).
 */

export interface DevArgs {
  /** Project folder or entry file; defaults to the current directory. */
  path: string;
  /**
   * `-c/--config FILE`, repeatable: several workers in one sidecar (the first takes requests no route claims; the
   * others are reached by their routes and by service bindings). Empty: the one worker at `path`.
   */
  configs: string[];
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Port of the CDP relay when `--inspect` was given (0 picks a free one); undefined otherwise. */
  inspectPort: number | undefined;
  /**
   * `--inspect-wait[=PORT]`: `--inspect`, and requests wait until a debugger has attached and set its breakpoints
   * (its `Runtime.runIfWaitingForDebugger`), so they bind before the first request (as `node --inspect-wait`).
   */
  inspectWait: boolean;
  /** Speak JSON-RPC (common/protocol.ts) on stdin/stdout. */
  rpc: boolean;
  /** Also serve `/__scheduled?cron=…` (wrangler's test route) besides `/cdn-cgi/handler/scheduled`. */
  testScheduled: boolean;
  /** Instances of the worker, each with its own globals; requests go to them with no affinity. */
  instances: number;
  /** CPU time a request may use (production's default: 30 s). */
  cpuLimitMs: number;
  /** Memory of the worker's isolate (production: 128 MB). */
  memoryLimitMb: number;
  /** Seconds an instance may sit unused before it is evicted; 0: never. */
  idleTimeoutS: number;
  /** The config's `[env.<name>]` to run (`--env`/`-e`, as wrangler); undefined: the top level. */
  environment: string | undefined;
  /** The bindings' state folder (`--persist-to`); undefined: `.worker-studio/` in the project. */
  persistTo: string | undefined;
  /** `--no-persist`: bindings' data in memory only. */
  noPersist: boolean;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_INSPECT_PORT = 9229;
export const DEFAULTS = { instances: 2, cpuLimitMs: 30_000, memoryLimitMb: 128, idleTimeoutS: 300 } as const;
export const USAGE =
  'Usage: worker-studio dev [PATH | -c CONFIG …] [--port N] [--inspect[=PORT] | --inspect-wait[=PORT]] [--instances N] [--cpu-limit-ms N] [--memory-limit-mb N] [--idle-timeout S] [--env NAME] [--persist-to DIR | --no-persist] [--test-scheduled] [--rpc]';

export class ArgsError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'ArgsError';
  }
}

function parsePort(text: string | undefined, flag: string): number {
  // Number('') is 0, so check the shape before converting.
  if (text === undefined || !/^\d+$/.test(text)) throw new ArgsError(`${flag} expects a port number, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  const port = Number(text);
  if (port > 65535) throw new ArgsError(`${flag} expects a port number (0-65535), got ${port}`);
  return port;
}

/** `--flag N` options: the DevArgs key and the least value allowed. */
const NUMBER_OPTIONS = [
  ['--instances', 'instances', 1],
  ['--cpu-limit-ms', 'cpuLimitMs', 1],
  ['--memory-limit-mb', 'memoryLimitMb', 8],
  ['--idle-timeout', 'idleTimeoutS', 0],
] as const;

function parseCount(text: string | undefined, flag: string, min: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new ArgsError(`${flag} expects a whole number, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  const value = Number(text);
  if (value < min) throw new ArgsError(`${flag} must be at least ${min}, got ${value}`);
  return value;
}

export function parseDevArgs(argv: readonly string[], cwd: string = process.cwd()): DevArgs {
  const result: DevArgs = { path: cwd, configs: [], port: DEFAULT_PORT, inspectPort: undefined, inspectWait: false, environment: undefined, persistTo: undefined, noPersist: false, rpc: false, testScheduled: false, ...DEFAULTS };
  let pathSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--port') {
      result.port = parsePort(argv[++i], '--port');
    } else if (arg.startsWith('--port=')) {
      result.port = parsePort(arg.slice('--port='.length), '--port');
    } else if (arg === '--inspect') {
      result.inspectPort = DEFAULT_INSPECT_PORT;
    } else if (arg.startsWith('--inspect=')) {
      result.inspectPort = parsePort(arg.slice('--inspect='.length), '--inspect');
    } else if (arg === '--inspect-wait' || arg.startsWith('--inspect-wait=')) {
      result.inspectPort = arg === '--inspect-wait' ? DEFAULT_INSPECT_PORT : parsePort(arg.slice('--inspect-wait='.length), '--inspect-wait');
      result.inspectWait = true;
    } else if (arg === '--env' || arg === '-e') {
      const name = argv[++i];
      if (name === undefined || name.startsWith('-') || name === '') throw new ArgsError(`${arg} expects an environment name (a [env.<name>] section of the config)`);
      result.environment = name;
    } else if (arg.startsWith('--env=')) {
      const name = arg.slice('--env='.length);
      if (name === '') throw new ArgsError('--env expects an environment name (a [env.<name>] section of the config)');
      result.environment = name;
    } else if (arg === '-c' || arg === '--config' || arg.startsWith('--config=')) {
      const file = arg.startsWith('--config=') ? arg.slice('--config='.length) : argv[++i];
      if (file === undefined || file === '' || (!arg.startsWith('--config=') && file.startsWith('-'))) throw new ArgsError(`${arg.split('=')[0]} expects a wrangler config file`);
      result.configs.push(file);
    } else if (arg === '--persist-to' || arg.startsWith('--persist-to=')) {
      const dir = arg === '--persist-to' ? argv[++i] : arg.slice('--persist-to='.length);
      if (dir === undefined || dir === '' || (arg === '--persist-to' && dir.startsWith('-'))) throw new ArgsError('--persist-to expects a folder');
      result.persistTo = dir;
    } else if (arg === '--no-persist') {
      result.noPersist = true;
    } else if (arg === '--rpc') {
      result.rpc = true;
    } else if (arg === '--test-scheduled') {
      result.testScheduled = true;
    } else if (NUMBER_OPTIONS.some(([flag]) => arg === flag || arg.startsWith(`${flag}=`))) {
      const [flag, key, min] = NUMBER_OPTIONS.find(([name]) => arg === name || arg.startsWith(`${name}=`)) as (typeof NUMBER_OPTIONS)[number];
      result[key] = parseCount(arg === flag ? argv[++i] : arg.slice(flag.length + 1), flag, min);
    } else if (arg.startsWith('-')) {
      throw new ArgsError(`unknown option ${arg}`);
    } else if (pathSeen) {
      throw new ArgsError(`unexpected argument "${arg}" (only one PATH)`);
    } else {
      result.path = arg;
      pathSeen = true;
    }
  }
  if (pathSeen && result.configs.length > 0) throw new ArgsError('give either PATH or -c CONFIG files, not both');
  if (result.noPersist && result.persistTo !== undefined) throw new ArgsError('--persist-to and --no-persist contradict each other: give one');
  return result;
}
