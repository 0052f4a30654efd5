/**
 * Which worker each debug session launched, and what that session's life means for it:
 * - the session ends → its worker stops (no process is left behind);
 * - Restart (js-debug restarts by attaching again to the same inspector) → once the debugger is back (its new child
 *   session has set its breakpoints), the same sidecar rebuilds and reloads the worker: fresh instances running the
 *   code on disk, in tens of milliseconds instead of a new process. Not before: js-debug does not map frames of a script
 *   parsed while it attaches to the TS source. Unless VS Code resolved the configuration again (launch.json changed),
 *   which started a new worker: the old one stops.
 */
import * as vscode from 'vscode';
import type { Log } from './log.ts';
import type { Workers } from './workers.ts';

/** Key under which a resolved attach configuration names the worker its launch started. */
export const WORKER_ID_KEY = '__workerStudioWorkerId';

interface DapMessage {
  type?: string;
  command?: string;
  arguments?: { arguments?: Record<string, unknown> };
}

const workerIdOf = (configuration: Record<string, unknown> | undefined): string | undefined => {
  const id = configuration?.[WORKER_ID_KEY];
  return typeof id === 'string' ? id : undefined;
};

export class DebuggedWorkers implements vscode.Disposable {
  /** Debug session id → the worker it owns now. */
  private readonly owned = new Map<string, string>();
  /** Sessions restarting: their worker reloads once the debugger is attached again. */
  private readonly restarting = new Set<string>();
  private readonly disposables: vscode.Disposable[];
  private readonly workers: Workers;
  private readonly log: Log;

  constructor(workers: Workers, log: Log) {
    this.workers = workers;
    this.log = log;
    this.disposables = [
      vscode.debug.onDidStartDebugSession((session) => {
        const id = workerIdOf(session.configuration);
        if (id && !session.parentSession) this.owned.set(session.id, id);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        const id = this.owned.get(session.id) ?? (session.parentSession ? undefined : workerIdOf(session.configuration));
        this.owned.delete(session.id);
        this.restarting.delete(session.id);
        if (id) void this.workers.stop(id);
      }),
      // Trackers see every request VS Code sends the adapter: the one place a restart shows before it happens.
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => {
          const parent = session.parentSession;
          if (parent) return this.owned.has(parent.id) ? { onDidSendMessage: (message: DapMessage) => this.childSent(parent, message) } : undefined;
          return workerIdOf(session.configuration) ? { onWillReceiveMessage: (message: DapMessage) => this.received(session, message) } : undefined;
        },
      }),
    ];
  }

  /** A request to a session that owns a worker: Restart is the one that matters. */
  private received(session: vscode.DebugSession, message: DapMessage): void {
    if (message.type !== 'request' || message.command !== 'restart') return;
    const current = this.owned.get(session.id);
    const next = workerIdOf(message.arguments?.arguments);
    if (next && next !== current) {
      // The configuration was resolved again: its worker is new, the old one has no session any more.
      this.owned.set(session.id, next);
      if (current) void this.workers.stop(current);
      return;
    }
    this.restarting.add(session.id);
  }

  /** A message from js-debug's session for the worker (a child of the owner): after a restart, reload once it is set up. */
  private childSent(owner: vscode.DebugSession, message: DapMessage): void {
    if (message.type !== 'response' || message.command !== 'configurationDone' || !this.restarting.delete(owner.id)) return;
    const id = this.owned.get(owner.id);
    const worker = id ? this.workers.get(id) : undefined;
    if (!worker) return;
    const started = performance.now();
    void worker.sidecar.reload().then(
      (result) => this.log.info(result.reloaded ? `restart: worker ${worker.id} reloaded in ${Math.round(performance.now() - started)} ms` : `restart: worker ${worker.id} kept its previous build: ${result.error ?? ''}`),
      (err: unknown) => this.log.warn(`restart: could not reload worker ${worker.id}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
