/**
 * The workers this window runs: starts sidecars, finds the one a command is about, stops them all on deactivate.
 * Also keeps the `workerStudio.running` context key and the status-bar item in step.
 */
import * as vscode from 'vscode';
import { findNode, NodeNotFoundError } from '../../common/nodeRuntime.ts';
import type { ReadyParams, RequestRecord, SendRequestParams, SendRequestResult } from '../../common/protocol.ts';
import { showError, type Log } from './log.ts';
import { describeExit, Sidecar, type SidecarExit } from './sidecar.ts';

export interface RunningWorker {
  id: string;
  target: string;
  sidecar: Sidecar;
  info: ReadyParams;
}

export interface StartOptions {
  target: string;
  port: number;
  inspect: boolean;
  folder: vscode.WorkspaceFolder | undefined;
}

export class Workers implements vscode.Disposable {
  private readonly running = new Map<string, RunningWorker>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly completed = new vscode.EventEmitter<RequestRecord>();
  /** Every request a running worker finished, from whatever sent it (the panel, a command, a browser, curl). */
  readonly onDidCompleteRequest = this.completed.event;
  private readonly statusBar = vscode.window.createStatusBarItem('workerStudio.status', vscode.StatusBarAlignment.Left, 10);
  private nextId = 1;
  private disposed = false;
  private readonly distDir: string;
  private readonly log: Log;

  constructor(distDir: string, log: Log) {
    this.distDir = distDir;
    this.log = log;
    this.statusBar.name = 'Worker Studio';
    this.statusBar.command = 'workerStudio.requestPanel.focus';
  }

  /** The worker a command without an explicit target means: the most recently started one. */
  current(): RunningWorker | undefined {
    return [...this.running.values()].at(-1);
  }

  get(id: string): RunningWorker | undefined {
    return this.running.get(id);
  }

  async start(options: StartOptions): Promise<RunningWorker> {
    if (!vscode.workspace.isTrusted) {
      throw new Error('Worker Studio runs worker code only in trusted workspaces. Trust this workspace to start the worker.');
    }
    const node = await this.findNode(options.folder);
    const id = `w${this.nextId++}`;
    const sidecar = new Sidecar({
      node,
      distDir: this.distDir,
      target: options.target,
      port: options.port,
      inspect: options.inspect,
      log: this.log,
      onRequest: (record) => {
        this.log.info(`${record.method} ${record.url} → ${record.status} (${record.wallMs.toFixed(1)} ms)`);
        this.completed.fire(record);
      },
    });
    const info = await sidecar.ready.catch(async (err: unknown) => {
      await sidecar.stop();
      throw err;
    });
    const worker: RunningWorker = { id, target: options.target, sidecar, info };
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

  /** The worker's process has ended: drop it, say so (loudly when nobody asked it to stop), update the UI. Once per worker. */
  private exited(worker: RunningWorker, exit: SidecarExit): void {
    if (this.running.get(worker.id) !== worker) return;
    this.running.delete(worker.id);
    if (exit.requested) {
      this.log.info(`worker ${worker.id} stopped (${describeExit(exit)})`);
    } else if (!this.disposed) {
      void showError(
        this.log,
        `The worker ${worker.info.url} (${worker.target}) stopped unexpectedly: its sidecar process ${worker.sidecar.pid ?? ''} exited (${describeExit(exit)}).`,
      );
    }
    if (!this.disposed) this.update();
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

  private async findNode(folder: vscode.WorkspaceFolder | undefined): Promise<string> {
    const configured = vscode.workspace.getConfiguration('workerStudio', folder?.uri).get<string>('nodePath')?.trim();
    try {
      const found = await findNode(configured ? { path: configured, source: 'setting workerStudio.nodePath' } : undefined);
      this.log.info(`using Node ${found.version} at ${found.path} (${found.source})`);
      return found.path;
    } catch (err) {
      if (err instanceof NodeNotFoundError) throw new Error(err.message);
      throw err;
    }
  }

  private update(): void {
    const worker = this.current();
    void vscode.commands.executeCommand('setContext', 'workerStudio.running', worker !== undefined);
    if (worker) {
      this.statusBar.text = `$(radio-tower) ${worker.info.url.replace('http://', '')}`;
      this.statusBar.tooltip = `Worker Studio: serving ${worker.info.entry} on ${worker.info.url}. Click to open the request panel.`;
      this.statusBar.show();
    } else {
      this.statusBar.hide();
    }
    this.changed.fire();
  }

  dispose(): void {
    this.disposed = true;
    void this.stopAll();
    this.statusBar.dispose();
    this.changed.dispose();
    this.completed.dispose();
  }
}
