/**
 * One running worker: the runtime sidecar process (dist/runtime.cjs on a Node >= 24) and its JSON-RPC control channel.
 * The sidecar is never loaded into the extension host (isolated-vm is a native addon for Node's ABI, not Electron's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { createMessageConnection, Emitter, StreamMessageReader, StreamMessageWriter, type Event, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildError,
  Evict,
  Evicted,
  Instances,
  Log as LogNotification,
  Ready,
  Reload,
  RequestCompleted,
  SendRequest,
  Status,
  Stop,
  Trigger,
  type EvictedParams,
  type InstancesResult,
  type ReadyParams,
  type ReloadResult,
  type RequestRecord,
  type SendRequestParams,
  type SendRequestResult,
  type StatusParams,
  type TriggerParams,
  type TriggerResult,
} from '../../common/protocol.ts';
import type { Log } from './log.ts';

export interface SidecarOptions {
  /** Node >= 24 executable. */
  node: string;
  /** dist/ of the extension (where runtime.cjs is). */
  distDir: string;
  /** Folder with a wrangler config, or an entry file. */
  target: string;
  /**
   * Other workers to run in the same sidecar (their wrangler configs: the ones `target`'s bindings name); with them
   * the sidecar runs `-c <target's config> -c <each>` and `target` must be a config or a folder with one.
   */
  companions?: { primaryConfig: string; configs: string[] };
  port: number;
  inspect: boolean;
  /** The inspector's port when `inspect` is on; 0 or absent: a free one. */
  inspectorPort?: number;
  /** The config's `[env.<name>]` to run (`--env`); absent: the top level. */
  environment?: string;
  /** `--instances`, `--cpu-limit-ms`, `--memory-limit-mb`; absent: the runtime's defaults. */
  instances?: number;
  cpuLimitMs?: number;
  memoryLimitMb?: number;
  log: Log;
  onRequest?: (record: RequestRecord) => void;
  /** Progress towards Ready (bundling, loading). */
  onStatus?: (state: StatusParams['state']) => void;
  onEvicted?: (params: EvictedParams) => void;
  /** How long the sidecar may take to build the worker and send Ready before it is killed; default READY_TIMEOUT_MS. */
  readyTimeoutMs?: number;
}

/** How the sidecar process ended. */
export interface SidecarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (spawn 'error' without 'exit': ENOENT, EACCES). */
  error?: Error;
  /** Whether stop() was called before the process ended (an expected exit). */
  requested: boolean;
}

/** How long a sidecar may take to stop before it is killed. */
const STOP_GRACE_MS = 3000;
/** How long a sidecar may take to be ready: bundling a big project can take a while. */
const READY_TIMEOUT_MS = 60_000;

/** The folder of a target (a folder, or an entry file). */
function workerFolder(target: string): string {
  try {
    return statSync(target).isDirectory() ? target : path.dirname(target);
  } catch {
    return path.dirname(target);
  }
}

/** `code 1`, `signal SIGKILL`, or the spawn error. */
export function describeExit(exit: SidecarExit): string {
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export class Sidecar {
  readonly ready: Promise<ReadyParams>;
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  /** Resolves once the process has ended: on 'exit', or on a spawn 'error' that is never followed by one. */
  private readonly exited: Promise<SidecarExit>;
  private readonly exitEmitter = new Emitter<SidecarExit>();
  /** Fires once, when the process has ended (expectedly or not). */
  readonly onExit: Event<SidecarExit> = this.exitEmitter.event;
  private exitInfo: SidecarExit | undefined;
  private readonly collectedBuildErrors: string[] = [];
  private readonly log: Log;
  private stopping: Promise<void> | undefined;

  constructor(options: SidecarOptions) {
    this.log = options.log;
    const args = [
      '--no-node-snapshot',
      path.join(options.distDir, 'runtime.cjs'),
      ...(options.companions ? [options.companions.primaryConfig, ...options.companions.configs].flatMap((config) => ['-c', config]) : [options.target]),
      '--port',
      String(options.port),
      '--rpc',
      // A debug session attaches right after Ready: until it has set its breakpoints, requests wait (--inspect-wait),
      // so a breakpoint binds before the first request however soon that request comes.
      ...(options.inspect ? [`--inspect-wait=${options.inspectorPort ?? 0}`] : []),
      ...(options.environment !== undefined ? ['--env', options.environment] : []),
      ...(options.instances !== undefined ? ['--instances', String(options.instances)] : []),
      ...(options.cpuLimitMs !== undefined ? ['--cpu-limit-ms', String(options.cpuLimitMs)] : []),
      ...(options.memoryLimitMb !== undefined ? ['--memory-limit-mb', String(options.memoryLimitMb)] : []),
    ];
    options.log.info(`starting ${options.node} ${args.join(' ')}`);
    this.child = spawn(options.node, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
    const child = this.child;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) options.log.info(line);
    });
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const buildErrors = this.collectedBuildErrors;
    this.connection.onNotification(LogNotification, ({ level, message, location }) => {
      const text = location ? `${message}  (${location})` : message;
      options.log[level === 'warn' ? 'warn' : level](text);
    });
    const baseDir = workerFolder(options.target);
    this.connection.onNotification(BuildError, ({ message, file, line, column }) => {
      const at = (name: string) => `${name}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: `;
      const relative = file && path.isAbsolute(file) ? path.relative(baseDir, file) : file;
      // The log keeps the absolute path (a link in the output channel); messages show it relative to the worker's folder.
      buildErrors.push(`${relative && !relative.startsWith('..') ? at(relative) : file ? at(file) : ''}${message}`);
      options.log.error(`${file ? at(file) : ''}${message}`);
    });
    if (options.onRequest) this.connection.onNotification(RequestCompleted, options.onRequest);
    if (options.onStatus) this.connection.onNotification(Status, ({ state }) => options.onStatus?.(state));
    if (options.onEvicted) this.connection.onNotification(Evicted, options.onEvicted);
    this.exited = new Promise<SidecarExit>((resolve) => {
      const ended = (exit: Omit<SidecarExit, 'requested'>) => {
        if (this.exitInfo) return;
        this.exitInfo = { ...exit, requested: this.stopping !== undefined };
        resolve(this.exitInfo);
        this.exitEmitter.fire(this.exitInfo);
      };
      child.once('exit', (code, signal) => ended({ code, signal }));
      // 'error' without a pid: the process never started, and no 'exit' follows (other 'error's come with a running process).
      child.on('error', (error) => {
        if (child.pid === undefined) ended({ code: null, signal: null, error });
        else options.log.warn(`worker sidecar ${child.pid}: ${error.message}`);
      });
    });
    const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    this.ready = new Promise<ReadyParams>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `the worker sidecar was not ready after ${readyTimeoutMs / 1000} s and was stopped; see the Worker Studio output (command "Worker Studio: Show Output") for what it was doing`,
          ),
        );
        options.log.error(`worker sidecar ${child.pid} not ready after ${readyTimeoutMs / 1000} s; killing it`);
        child.kill('SIGKILL');
      }, readyTimeoutMs);
      this.connection.onNotification(Ready, (params) => {
        clearTimeout(timer);
        resolve(params);
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(
            exit.error
              ? `could not start the worker sidecar (${options.node}): ${exit.error.message}`
              : (buildErrors[0] ?? `the worker sidecar exited (${describeExit(exit)}) before it was ready; see the Worker Studio output`),
          ),
        );
      });
    });
    this.ready.catch(() => {}); // observed by callers; avoid an unhandled rejection when nobody waits
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the process ended, once it has. */
  get exit(): SidecarExit | undefined {
    return this.exitInfo;
  }

  /** The build/load errors the sidecar reported (`file:line:column: message`, file relative to the worker's folder), e.g. why a worker failed to load. */
  get buildErrors(): readonly string[] {
    return this.collectedBuildErrors;
  }

  sendRequest(params: SendRequestParams): Promise<SendRequestResult> {
    return this.connection.sendRequest(SendRequest, params);
  }

  /** Evicts one instance (1-based) or all; answers the instances evicted. */
  evict(instance?: number): Promise<{ evicted: number[] }> {
    return this.connection.sendRequest(Evict, instance === undefined ? {} : { instance });
  }

  /** Rebuilds and reloads the worker as a save does (fresh instances); answers once the new code serves or it failed. */
  reload(): Promise<ReloadResult> {
    return this.connection.sendRequest(Reload);
  }

  /** Each instance's figures and the isolate's heap. */
  instances(): Promise<InstancesResult> {
    return this.connection.sendRequest(Instances);
  }

  /** Fires a scheduled or queue event at the worker; answers once its handler and waitUntil work are done. */
  trigger(params: TriggerParams): Promise<TriggerResult> {
    return this.connection.sendRequest(Trigger, params);
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
      this.exitEmitter.dispose();
    })();
    return this.stopping;
  }
}
