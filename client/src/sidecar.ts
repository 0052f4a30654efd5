/**
 * One running worker: the runtime sidecar process (dist/runtime.cjs on a Node >= 24) and its JSON-RPC control channel.
 * The sidecar is never loaded into the extension host (isolated-vm is a native addon for Node's ABI, not Electron's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildError,
  Log as LogNotification,
  Ready,
  RequestCompleted,
  SendRequest,
  Stop,
  type ReadyParams,
  type RequestRecord,
  type SendRequestParams,
  type SendRequestResult,
} from '../../common/protocol.ts';
import type { Log } from './log.ts';

export interface SidecarOptions {
  /** Node >= 24 executable. */
  node: string;
  /** dist/ of the extension (where runtime.cjs is). */
  distDir: string;
  /** Folder with a wrangler config, or an entry file. */
  target: string;
  port: number;
  inspect: boolean;
  log: Log;
  onRequest?: (record: RequestRecord) => void;
}

/** How long a sidecar may take to stop before it is killed. */
const STOP_GRACE_MS = 3000;

export class Sidecar {
  readonly ready: Promise<ReadyParams>;
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly exited: Promise<void>;
  private readonly log: Log;
  private stopping: Promise<void> | undefined;

  constructor(options: SidecarOptions) {
    this.log = options.log;
    const args = [
      '--no-node-snapshot',
      path.join(options.distDir, 'runtime.cjs'),
      options.target,
      '--port',
      String(options.port),
      '--rpc',
      ...(options.inspect ? ['--inspect=0'] : []),
    ];
    options.log.info(`starting ${options.node} ${args.join(' ')}`);
    this.child = spawn(options.node, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
    const child = this.child;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) options.log.info(line);
    });
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const buildErrors: string[] = [];
    this.connection.onNotification(LogNotification, ({ level, message, location }) => {
      const text = location ? `${message}  (${location})` : message;
      options.log[level === 'warn' ? 'warn' : level](text);
    });
    this.connection.onNotification(BuildError, ({ message, file, line, column }) => {
      const where = file ? `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ` : '';
      buildErrors.push(`${where}${message}`);
      options.log.error(`${where}${message}`);
    });
    if (options.onRequest) this.connection.onNotification(RequestCompleted, options.onRequest);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.ready = new Promise<ReadyParams>((resolve, reject) => {
      this.connection.onNotification(Ready, resolve);
      child.once('error', (err) => reject(new Error(`could not start the worker sidecar (${options.node}): ${err.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(buildErrors[0] ?? `the worker sidecar exited (${signal ?? `code ${code}`}) before it was ready; see the Worker Studio output`)),
      );
    });
    this.ready.catch(() => {}); // observed by callers; avoid an unhandled rejection when nobody waits
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  sendRequest(params: SendRequestParams): Promise<SendRequestResult> {
    return this.connection.sendRequest(SendRequest, params);
  }

  /** Asks the sidecar to stop, kills it after a grace period; resolves once the process is gone. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.isRunning) {
        this.connection.sendRequest(Stop).catch(() => {});
        const timer = setTimeout(() => {
          this.log.warn(`worker sidecar ${this.pid} did not stop in ${STOP_GRACE_MS} ms; killing it`);
          this.child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        await this.exited;
        clearTimeout(timer);
      }
      this.connection.dispose();
    })();
    return this.stopping;
  }
}
