/**
 * Command line of the runtime sidecar: `dev [PATH] [--port N] [--inspect[=PORT]] [--test-scheduled] [--rpc]`
 * (the CLI passes everything after `dev` through unchanged).
 */

export interface DevArgs {
  /** Project folder or entry file; defaults to the current directory. */
  path: string;
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Port of the CDP relay when `--inspect` was given (0 picks a free one); undefined otherwise. */
  inspectPort: number | undefined;
  /** Speak JSON-RPC (common/protocol.ts) on stdin/stdout. */
  rpc: boolean;
  /** Also serve `/__scheduled?cron=…` (wrangler's test route) besides `/cdn-cgi/handler/scheduled`. */
  testScheduled: boolean;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_INSPECT_PORT = 9229;
export const USAGE = 'Usage: worker-studio dev [PATH] [--port N] [--inspect[=PORT]] [--test-scheduled] [--rpc]';

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

export function parseDevArgs(argv: readonly string[], cwd: string = process.cwd()): DevArgs {
  const result: DevArgs = { path: cwd, port: DEFAULT_PORT, inspectPort: undefined, rpc: false, testScheduled: false };
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
    } else if (arg === '--rpc') {
      result.rpc = true;
    } else if (arg === '--test-scheduled') {
      result.testScheduled = true;
    } else if (arg.startsWith('-')) {
      throw new ArgsError(`unknown option ${arg}`);
    } else if (pathSeen) {
      throw new ArgsError(`unexpected argument "${arg}" (only one PATH)`);
    } else {
      result.path = arg;
      pathSeen = true;
    }
  }
  return result;
}
