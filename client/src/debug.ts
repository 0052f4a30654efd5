/**
 * F5 for workers: the `worker` debug type. Resolving a `worker` launch starts the sidecar with its inspector on,
 * then hands VS Code a `node` attach configuration for the built-in JavaScript debugger (js-debug).
 * Ending the debug session stops the sidecar: no process is left behind.
 */
import os from 'node:os';
import * as vscode from 'vscode';
import { showError, type Log } from './log.ts';
import type { RunningWorker, Workers } from './workers.ts';

/** Key under which the attach configuration remembers which worker it belongs to. */
const WORKER_ID_KEY = '__workerStudioWorkerId';

export interface WorkerLaunchConfiguration extends vscode.DebugConfiguration {
  path?: string;
  port?: number;
}

export class WorkerDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  private readonly workers: Workers;
  private readonly log: Log;

  constructor(workers: Workers, log: Log) {
    this.workers = workers;
    this.log = log;
  }

  /**
   * Starts the worker and answers with a `node` attach configuration. This must happen here, in the first resolve stage:
   * VS Code activates the debugger of a new type (js-debug) and runs its resolvers (source maps, defaults) only when the
   * type changes before variable substitution. So the few variables a `worker` configuration uses are substituted here.
   * F5 with no launch.json arrives with an empty configuration: run the worker of the folder.
   */
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: WorkerLaunchConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      config.type = 'worker';
      config.request = 'launch';
      config.name = 'Run Worker';
    }
    if (config.request !== 'launch') {
      void vscode.window.showErrorMessage(`Worker Studio: request "${config.request}" is not supported; use "launch".`);
      return undefined;
    }
    folder ??= vscode.workspace.workspaceFolders?.[0];
    const target = substituteVariables(config.path ?? '${workspaceFolder}', folder);
    if (!target) {
      void vscode.window.showErrorMessage('Open a folder with a wrangler.toml / wrangler.json(c) to run a worker.');
      return undefined;
    }
    let worker: RunningWorker | undefined;
    try {
      const port = config.port ?? vscode.workspace.getConfiguration('workerStudio', folder?.uri).get<number>('port', 0);
      worker = await this.workers.start({ target, port, inspect: true, folder });
      const inspectorPort = worker.info.inspectorPort;
      if (!inspectorPort) {
        // The sidecar serves a worker that failed to load (an error page) without an inspector: say why it failed.
        const errors = worker.sidecar.buildErrors;
        throw new Error(errors.length ? `${errors.join('\n')} (the worker failed to load)` : 'the worker sidecar started without an inspector');
      }
      return {
        type: 'node',
        request: 'attach',
        name: config.name,
        // 127.0.0.1, never localhost: js-debug probes ::1 too and a refused probe aborts the attach on Node 24.
        address: '127.0.0.1',
        port: inspectorPort,
        attachExistingChildren: false,
        autoAttachChildProcesses: false,
        // The bundle the isolate runs is not a workspace file: read its inline source maps wherever it is.
        resolveSourceMapLocations: null,
        skipFiles: ['<node_internals>/**'],
        [WORKER_ID_KEY]: worker.id,
      };
    } catch (err) {
      // No debug session will exist to stop it: a worker started here must not outlive the failed launch.
      if (worker) await this.workers.stop(worker.id);
      void showError(this.log, `Could not start the worker: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }
}

/** `${workspaceFolder}`, `${workspaceFolderBasename}` and `${userHome}`: the variables a worker path needs. */
function substituteVariables(value: string, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  if (value.includes('${workspaceFolder') && !folder) return undefined;
  return value
    .replaceAll('${workspaceFolder}', folder?.uri.fsPath ?? '')
    .replaceAll('${workspaceFolderBasename}', folder?.name ?? '')
    .replaceAll('${userHome}', os.homedir());
}

/** The folder F5 means: the active editor's, else the only one, else the user picks. */
async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = active && vscode.workspace.getWorkspaceFolder(active);
  if (folder) return folder;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which worker should run?' });
}

/** `workerStudio.debug` (F5 when no launch configuration is selected): run the folder's worker with the debugger attached. */
export async function debugWorker(): Promise<boolean> {
  const folder = await pickFolder();
  if (!folder) return false;
  return vscode.debug.startDebugging(folder, { type: 'worker', request: 'launch', name: 'Run Worker', path: folder.uri.fsPath });
}

export function registerDebugging(workers: Workers, log: Log): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.debug.registerDebugConfigurationProvider('worker', new WorkerDebugConfigurationProvider(workers, log)),
    vscode.commands.registerCommand('workerStudio.debug', debugWorker),
    vscode.debug.onDidTerminateDebugSession((session) => {
      const id: unknown = session.configuration[WORKER_ID_KEY];
      if (typeof id === 'string' && !session.parentSession) void workers.stop(id);
    }),
  );
}
