/**
 * F5 for workers: the `worker` debug type. A `launch` starts the worker's sidecar with its inspector on, then hands
 * VS Code a `node` attach configuration for the built-in JavaScript debugger (js-debug); the session owns that worker
 * (debugSessions.ts: ending the session stops it, Restart reloads it). An `attach` connects js-debug to a worker
 * someone else runs (`worker-studio dev --inspect=PORT`, or `--inspect-wait=PORT`) and never stops it.
 */
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_INSPECT_PORT } from '../../runtime/src/args.ts';
import { DebuggedWorkers, WORKER_ID_KEY } from './debugSessions.ts';
import { showError, type Log } from './log.ts';
import { refusedUntrusted } from './trust.ts';
import { pickWorkerFolder, workerFolders } from './workerPick.ts';
import type { RunningWorker, Workers } from './workers.ts';

/** A `worker` launch configuration (package.json "debuggers" documents each attribute for IntelliSense). */
export interface WorkerLaunchConfiguration extends vscode.DebugConfiguration {
  request: 'launch';
  /** A folder with a wrangler config, or an entry file. */
  path?: string;
  /** An explicit wrangler config file; wins over `path`. */
  config?: string;
  port?: number;
  inspectPort?: number;
  instances?: number;
  cpuLimitMs?: number;
  memoryLimitMb?: number;
  /** The config's `[env.<name>]` (as `wrangler dev --env`). */
  env?: string;
}

/** A `worker` attach configuration: the inspector of a running `worker-studio dev --inspect`. */
export interface WorkerAttachConfiguration extends vscode.DebugConfiguration {
  request: 'attach';
  port?: number;
  address?: string;
}

type WorkerConfiguration = WorkerLaunchConfiguration | WorkerAttachConfiguration;

/**
 * What js-debug needs to attach to the sidecar's inspector relay (see docs in the platform notes):
 * 127.0.0.1 rather than localhost, source maps read wherever the bundle is, no child processes to look for.
 */
function jsDebugAttach(name: string, address: string, port: number): vscode.DebugConfiguration {
  return {
    type: 'node',
    request: 'attach',
    name,
    // Never `localhost`: js-debug probes ::1 too, and a refused probe aborts the attach on Node 24.
    address: address === 'localhost' ? '127.0.0.1' : address,
    port,
    attachExistingChildren: false,
    autoAttachChildProcesses: false,
    // The bundle the isolate runs is not a workspace file: read its inline source maps wherever it is.
    resolveSourceMapLocations: null,
    // The runtime's own scripts (the web platform, the module loader): stepping skips them, console output is
    // located at the worker's call, and an exception only the runtime catches (the 500 page) counts as uncaught.
    skipFiles: ['<node_internals>/**', 'worker-studio:*'],
  };
}

export class WorkerDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  private readonly workers: Workers;
  private readonly log: Log;

  constructor(workers: Workers, log: Log) {
    this.workers = workers;
    this.log = log;
  }

  /** "create a launch.json file" and the Run and Debug view's dynamic list: one launch per worker folder. */
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const found = (await workerFolders()).filter((w) => !folder || w.workspaceFolder.uri.toString() === folder.uri.toString());
    const launches = found.map((w): WorkerLaunchConfiguration => {
      const relative = path.relative(w.workspaceFolder.uri.fsPath, w.path).replaceAll(path.sep, '/');
      return { type: 'worker', request: 'launch', name: relative ? `Run Worker: ${relative}` : 'Run Worker', path: relative ? `\${workspaceFolder}/${relative}` : '${workspaceFolder}' };
    });
    return launches.length > 0 ? launches : [{ type: 'worker', request: 'launch', name: 'Run Worker', path: '${workspaceFolder}' }];
  }

  /**
   * Answers with a `node` attach configuration; for a launch, once the worker runs. This must happen here, in the first
   * resolve stage: VS Code activates the debugger of a new type (js-debug) and runs its resolvers (source maps,
   * defaults) only when the type changes before variable substitution. So the few variables a `worker` configuration
   * uses are substituted here. F5 with no launch.json arrives with an empty configuration: run the worker F5 means.
   */
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    let resolved = config as WorkerConfiguration;
    if (!config.type && !config.request && !config.name) {
      const picked = await pickWorkerFolder();
      if (!picked) return undefined;
      folder = picked.workspaceFolder;
      resolved = { type: 'worker', request: 'launch', name: 'Run Worker', path: picked.path };
    }
    if (resolved.request === 'attach') return this.attach(resolved);
    if (resolved.request !== 'launch') {
      void vscode.window.showErrorMessage(`Worker Studio: a "worker" debug configuration has request "launch" or "attach", not "${String(config.request)}".`);
      return undefined;
    }
    return this.launch(folder ?? vscode.workspace.workspaceFolders?.[0], resolved);
  }

  private attach(config: WorkerAttachConfiguration): vscode.DebugConfiguration {
    return jsDebugAttach(config.name, config.address ?? '127.0.0.1', config.port ?? DEFAULT_INSPECT_PORT);
  }

  private async launch(folder: vscode.WorkspaceFolder | undefined, config: WorkerLaunchConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const target = substituteVariables(config.config ?? config.path ?? '${workspaceFolder}', folder);
    if (!target) {
      void vscode.window.showErrorMessage('Open a folder with a wrangler.toml / wrangler.json(c) to run a worker.');
      return undefined;
    }
    let worker: RunningWorker | undefined;
    try {
      // Attributes the configuration leaves out come from the folder's settings (Workers.start).
      worker = await this.workers.start({
        target,
        folder,
        inspect: true,
        port: config.port,
        inspectorPort: config.inspectPort,
        instances: config.instances,
        cpuLimitMs: config.cpuLimitMs,
        memoryLimitMb: config.memoryLimitMb,
        environment: config.env,
        // The debugger stays attached to this sidecar's inspector: "Restart Worker" (the Workers view, a settings
        // change) reloads the worker in it, as the debug toolbar's Restart does; new settings apply at the next launch.
        restart: () => (worker ? worker.sidecar.reload() : Promise.resolve()),
      });
      const inspectorPort = worker.info.inspectorPort;
      if (!inspectorPort) {
        // The sidecar serves a worker that failed to load (an error page) without an inspector: say why it failed.
        const errors = worker.sidecar.buildErrors;
        throw new Error(errors.length ? `${errors.join('\n')} (the worker failed to load)` : 'the worker sidecar started without an inspector');
      }
      return { ...jsDebugAttach(config.name, '127.0.0.1', inspectorPort), [WORKER_ID_KEY]: worker.id };
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

/** `workerStudio.debug` (F5 when no launch configuration is selected): run the worker F5 means with the debugger attached. */
export async function debugWorker(): Promise<boolean> {
  // F5 is bound to this in untrusted workspaces too, so that it says why nothing runs (VS Code would only ask for trust).
  if (refusedUntrusted('debug the worker')) return false;
  const picked = await pickWorkerFolder();
  if (!picked) return false;
  const relative = path.relative(picked.workspaceFolder.uri.fsPath, picked.path);
  const launch: WorkerLaunchConfiguration = { type: 'worker', request: 'launch', name: relative ? `Run Worker: ${relative}` : 'Run Worker', path: picked.path };
  return vscode.debug.startDebugging(picked.workspaceFolder, launch);
}

export function registerDebugging(workers: Workers, log: Log): vscode.Disposable {
  const provider = new WorkerDebugConfigurationProvider(workers, log);
  return vscode.Disposable.from(
    vscode.debug.registerDebugConfigurationProvider('worker', provider),
    vscode.debug.registerDebugConfigurationProvider('worker', { provideDebugConfigurations: (folder) => provider.provideDebugConfigurations(folder) }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.commands.registerCommand('workerStudio.debug', debugWorker),
    new DebuggedWorkers(workers, log),
  );
}
