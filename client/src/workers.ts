/**
 * The workers this window runs: starts sidecars (with the settings of their folder), restarts, evicts and stops them,
 * finds the one a command is about, stops them all on deactivate. Also keeps the `workerStudio.running` context key,
 * and the state the status bar shows (starting, bundling, loading, running, failed, stopped).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { findNode, NodeNotFoundError } from '../../common/nodeRuntime.ts';
import type { EvictedParams, InstancesResult, ReadyParams, RequestRecord, SendRequestParams, SendRequestResult, TriggerParams, TriggerResult } from '../../common/protocol.ts';
import { requestLine } from '../../common/requestLine.ts';
import { namedWorkers, workerCompanions } from '../../common/workerCompanions.ts';
import { CONFIG_FILE_NAMES, findConfigFile, resolveWorkerProject } from '../../common/workerProject.ts';
import { workerFolders } from './workerPick.ts';
import { showError, type Log } from './log.ts';
import { runtimeSettings, type NodePathPolicy, type RuntimeSettings } from './settings.ts';
import { describeExit, Sidecar, type SidecarExit } from './sidecar.ts';
import { untrustedReason } from './trust.ts';

export interface RunningWorker {
  id: string;
  target: string;
  sidecar: Sidecar;
  info: ReadyParams;
  /** What it was started with: a restart starts it the same way (with the settings as they are then). */
  options: StartOptions;
  /** The settings it runs with (options' explicit values over the folder's settings). */
  settings: RuntimeSettings;
}

export interface StartOptions {
  target: string;
  /** The worker's folder: its settings apply. */
  folder: vscode.WorkspaceFolder | undefined;
  /** Start the inspector (a debug session attaches to it). */
  inspect: boolean;
  /** Explicit values (a launch configuration's) win over the settings. */
  port?: number;
  inspectorPort?: number;
  instances?: number;
  cpuLimitMs?: number;
  memoryLimitMb?: number;
  /** The config's `[env.<name>]` to run (a launch configuration's `env`); absent: the top level. */
  environment?: string;
  /**
   * How to restart the worker when its owner must do it: a debugged worker reloads in its sidecar, so that the
   * debugger stays attached. Default: stop it and start it again with these options.
   */
  restart?: () => Thenable<unknown>;
}

/** Where the worker the status bar is about stands. */
export type WorkerState =
  | { phase: 'starting' | 'bundling' | 'loading'; target: string }
  | { phase: 'running'; target: string; url: string; entry: string }
  | { phase: 'failed'; target: string; reason: string }
  | { phase: 'stopped'; target: string };

/** Thrown when the workspace is not trusted: nothing that runs user code may start. */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(untrustedReason('run the worker'));
    this.name = 'UntrustedWorkspaceError';
  }
}

export class Workers implements vscode.Disposable {
  private readonly running = new Map<string, RunningWorker>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** A worker started or has stopped (its process has exited). */
  readonly onDidChange = this.changed.event;
  private readonly completed = new vscode.EventEmitter<RequestRecord>();
  /** Every request a running worker finished, from whatever sent it (the panel, a command, a browser, curl). */
  readonly onDidCompleteRequest = this.completed.event;
  private readonly evicted = new vscode.EventEmitter<EvictedParams & { workerId: string }>();
  /** An instance of a running worker was evicted (on demand, idle, a limit, a reload). */
  readonly onDidEvict = this.evicted.event;
  private readonly stateChanged = new vscode.EventEmitter<WorkerState | undefined>();
  readonly onDidChangeState = this.stateChanged.event;
  private currentState: WorkerState | undefined;
  /** Restarts under way, by worker id: the stop they make is expected, and the worker comes back. */
  private readonly restarting = new Set<string>();
  private nextId = 1;
  private disposed = false;
  private readonly distDir: string;
  private readonly log: Log;
  private readonly nodePath: NodePathPolicy;

  constructor(distDir: string, log: Log, nodePath: NodePathPolicy) {
    this.distDir = distDir;
    this.log = log;
    this.nodePath = nodePath;
  }

  /** What the status bar shows: the latest worker's state; undefined before any worker was started. */
  get state(): WorkerState | undefined {
    return this.currentState;
  }

  private setState(state: WorkerState): void {
    this.currentState = state;
    this.stateChanged.fire(state);
  }

  /** The worker a command without an explicit target means: the most recently started one. */
  current(): RunningWorker | undefined {
    return [...this.running.values()].at(-1);
  }

  get(id: string): RunningWorker | undefined {
    return this.running.get(id);
  }

  async start(options: StartOptions): Promise<RunningWorker> {
    if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError();
    const { target } = options;
    this.setState({ phase: 'starting', target });
    try {
      const worker = await this.launch(options);
      this.setState({ phase: 'running', target, url: worker.info.url, entry: worker.info.entry });
      return worker;
    } catch (err) {
      this.setState({ phase: 'failed', target, reason: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /**
   * The workspace's other workers that `target`'s bindings name (common/workerCompanions.ts): they run in the same
   * sidecar, so service bindings and Durable Objects across folders (or roots of a multi-root workspace) work.
   */
  private async companions(target: string): Promise<{ primaryConfig: string; configs: string[] } | undefined> {
    const primaryConfig = (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(target)) ? target : findConfigFile(target);
    if (!primaryConfig || !namesOtherWorkers(primaryConfig)) return undefined;
    // Only then the workspace is searched for their configs.
    const candidates = (await workerFolders()).flatMap((folder) => findConfigFile(folder.path) ?? []);
    const companions = workerCompanions(primaryConfig, candidates);
    if (companions.length === 0) return undefined;
    for (const companion of companions) this.log.info(`also running ${companion.name} (${path.relative(path.dirname(primaryConfig), companion.config)}) in the same sidecar: ${companion.because}`);
    return { primaryConfig, configs: companions.map((companion) => companion.config) };
  }

  private async launch(options: StartOptions): Promise<RunningWorker> {
    const node = await this.findNode(options.folder);
    const settings = { ...runtimeSettings(options.folder), ...definedOnly(options) };
    const id = `w${this.nextId++}`;
    const companions = await this.companions(options.target);
    const sidecar = new Sidecar({
      node,
      distDir: this.distDir,
      target: options.target,
      ...(companions ? { companions } : {}),
      port: settings.port,
      inspect: options.inspect,
      inspectorPort: settings.inspectorPort,
      instances: settings.instances,
      cpuLimitMs: settings.cpuLimitMs,
      memoryLimitMb: settings.memoryLimitMb,
      environment: options.environment,
      log: this.log,
      onRequest: (record) => {
        this.log.info(requestLine(record));
        this.completed.fire(record);
      },
      onStatus: (phase) => this.setState({ phase, target: options.target }),
      onEvicted: (params) => this.evicted.fire({ ...params, workerId: id }),
    });
    const info = await sidecar.ready.catch(async (err: unknown) => {
      await sidecar.stop();
      throw err;
    });
    const worker: RunningWorker = { id, target: options.target, sidecar, info, options, settings };
    this.running.set(id, worker);
    this.log.info(`worker ${id} ready on ${info.url}${info.inspectorPort ? ` (inspector 127.0.0.1:${info.inspectorPort})` : ''}`);
    // However the process ends (stop(), a crash, a kill from outside), the worker leaves the list then.
    sidecar.onExit((exit) => this.exited(worker, exit));
    this.update();
    if (sidecar.exit) this.exited(worker, sidecar.exit); // ended between Ready and here
    return worker;
  }

  /** Stops the sidecar; the worker leaves the list (and onDidChange fires) once its process has exited. */
  async stop(id: string): Promise<void> {
    const worker = this.running.get(id);
    if (!worker) return;
    await worker.sidecar.stop();
    this.exited(worker, worker.sidecar.exit ?? { code: null, signal: null, requested: true });
  }

  /**
   * Stops the worker and starts it again as it was started, with the settings as they are now (a restart is how a
   * settings change reaches a running worker); or has its owner restart it (StartOptions.restart).
   */
  async restart(id: string): Promise<void> {
    const worker = this.running.get(id);
    if (!worker) throw new Error(`the worker ${id} is not running`);
    this.log.info(`restarting worker ${id} (${worker.target})`);
    if (worker.options.restart) {
      await worker.options.restart();
      return;
    }
    this.restarting.add(id);
    try {
      await this.stop(id);
    } finally {
      this.restarting.delete(id);
    }
    await this.start(worker.options);
  }

  /** Evicts one instance (1-based) or all of them; answers the instances evicted. */
  async evict(id: string, instance?: number): Promise<number[]> {
    const worker = this.running.get(id);
    if (!worker) throw new Error(`the worker ${id} is not running`);
    const { evicted } = await worker.sidecar.evict(instance);
    return evicted;
  }

  /** The worker's instances with what they served, and its isolate's heap. */
  instances(id: string): Promise<InstancesResult> {
    const worker = this.running.get(id);
    if (!worker) return Promise.reject(new Error(`the worker ${id} is not running`));
    return worker.sidecar.instances();
  }

  /** The worker's process has ended: drop it, say so (loudly when nobody asked it to stop), update the UI. Once per worker. */
  private exited(worker: RunningWorker, exit: SidecarExit): void {
    if (this.running.get(worker.id) !== worker) return;
    this.running.delete(worker.id);
    if (exit.requested) {
      this.log.info(`worker ${worker.id} stopped (${describeExit(exit)})`);
      if (!this.restarting.has(worker.id) && !this.disposed) this.showCurrentOr({ phase: 'stopped', target: worker.target });
    } else if (!this.disposed) {
      const reason = `The worker ${worker.info.url} (${worker.target}) stopped unexpectedly: its sidecar process ${worker.sidecar.pid ?? ''} exited (${describeExit(exit)}).`;
      this.setState({ phase: 'failed', target: worker.target, reason });
      void showError(this.log, reason);
    }
    if (!this.disposed) this.update();
  }

  /** The status bar follows the worker still running, if another is; else `state`. */
  private showCurrentOr(state: WorkerState): void {
    const other = this.current();
    this.setState(other ? { phase: 'running', target: other.target, url: other.info.url, entry: other.info.entry } : state);
  }

  list(): RunningWorker[] {
    return [...this.running.values()];
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }

  /** Sends a request to the current worker through its control channel. */
  async send(params: SendRequestParams): Promise<SendRequestResult> {
    const worker = this.current();
    if (!worker) throw new Error('No worker is running. Press F5 or run "Worker Studio: Start Worker" first.');
    return worker.sidecar.sendRequest(params);
  }

  /** Fires a scheduled or queue event at the current worker (the request panel's trigger buttons). */
  async trigger(params: TriggerParams): Promise<TriggerResult> {
    const worker = this.current();
    if (!worker) throw new Error('No worker is running. Press F5 or run "Worker Studio: Start Worker" first.');
    return worker.sidecar.trigger(params);
  }

  private async findNode(folder: vscode.WorkspaceFolder | undefined): Promise<string> {
    const configured = await this.nodePath.resolve(folder);
    try {
      const found = await findNode(configured);
      this.log.info(`using Node ${found.version} at ${found.path} (${found.source})`);
      return found.path;
    } catch (err) {
      if (err instanceof NodeNotFoundError) throw new Error(err.message);
      throw err;
    }
  }

  private update(): void {
    void vscode.commands.executeCommand('setContext', 'workerStudio.running', this.running.size > 0);
    this.changed.fire();
  }

  dispose(): void {
    this.disposed = true;
    void this.stopAll();
    this.changed.dispose();
    this.completed.dispose();
    this.evicted.dispose();
    this.stateChanged.dispose();
  }
}

/** The options a caller set explicitly, as settings overrides. */
function definedOnly(options: StartOptions): Partial<RuntimeSettings> {
  const keys = ['port', 'inspectorPort', 'instances', 'cpuLimitMs', 'memoryLimitMb'] as const;
  return Object.fromEntries(keys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
}

/** Whether a worker's bindings name another worker (a broken config names none: starting it reports the error). */
function namesOtherWorkers(config: string): boolean {
  try {
    return namedWorkers(resolveWorkerProject(config)).length > 0;
  } catch {
    return false;
  }
}
