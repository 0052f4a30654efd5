/**
 * Worker Studio's settings (package.json `contributes.configuration`), read per folder every time a worker starts —
 * never cached — and the two policies around them: a Node executable set by the WORKSPACE runs only once the user
 * has allowed it (remembered per workspace and path), and changing a setting a running worker was started with
 * offers to restart it.
 */
import * as vscode from 'vscode';
import { DEFAULTS } from '../../runtime/src/args.ts';

export const SECTION = 'workerStudio';

/** What a sidecar is started with, from the settings. */
export interface RuntimeSettings {
  port: number;
  /** Port of the debugger's inspector; 0: a free one. */
  inspectorPort: number;
  instances: number;
  cpuLimitMs: number;
  memoryLimitMb: number;
}

/** Settings a running worker only picks up when it restarts (all of them: each becomes a sidecar argument). */
export const RESTART_SETTINGS = ['nodePath', 'port', 'inspectorPort', 'instances', 'cpuLimitMs', 'memoryLimitMb'] as const;

/** Whole numbers at least `min`; anything else (a hand-edited "abc", -1) falls back to the default. */
function whole(config: vscode.WorkspaceConfiguration, key: keyof RuntimeSettings, fallback: number, min: number): number {
  const value = config.get<unknown>(key);
  return typeof value === 'number' && Number.isInteger(value) && value >= min ? value : fallback;
}

/** The settings for a worker of `folder`; the defaults are the runtime's. */
export function runtimeSettings(folder: vscode.WorkspaceFolder | undefined): RuntimeSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  return {
    port: whole(config, 'port', 0, 0),
    inspectorPort: whole(config, 'inspectorPort', 0, 0),
    instances: whole(config, 'instances', DEFAULTS.instances, 1),
    cpuLimitMs: whole(config, 'cpuLimitMs', DEFAULTS.cpuLimitMs, 1),
    memoryLimitMb: whole(config, 'memoryLimitMb', DEFAULTS.memoryLimitMb, 8),
  };
}

/** A Node executable from the settings and where it was set (for the log and error messages). */
export interface ConfiguredNode {
  path: string;
  source: string;
}

type Answer = 'allowed' | 'refused';
const ALLOW = 'Allow';
const REFUSE = "Don't Allow";

/**
 * `workerStudio.nodePath` is a program Worker Studio runs. A value from the user's or the machine's settings is theirs;
 * one from the workspace's settings (`.vscode/settings.json`, a folder's) came with the code, so the user is asked
 * once, and the answer is remembered for this workspace and this path. (In an untrusted workspace VS Code ignores the
 * workspace value altogether: the setting is in `restrictedConfigurations`; and nothing runs there anyway.)
 */
export class NodePathPolicy {
  private readonly memento: vscode.Memento;
  /** One question at a time: two workers starting together must not ask twice. */
  private asking: Promise<Answer | undefined> | undefined;

  constructor(memento: vscode.Memento) {
    this.memento = memento;
  }

  /** The Node to use, or undefined for the automatic choice (the extension host's Node ≥ 24, the managed one, PATH). */
  async resolve(folder: vscode.WorkspaceFolder | undefined): Promise<ConfiguredNode | undefined> {
    const inspected = vscode.workspace.getConfiguration(SECTION, folder?.uri).inspect<string>('nodePath');
    const fromWorkspace = (inspected?.workspaceFolderValue ?? inspected?.workspaceValue)?.trim();
    if (fromWorkspace) {
      const answer = await this.answerFor(fromWorkspace);
      if (answer === 'allowed') return { path: fromWorkspace, source: 'workspace setting workerStudio.nodePath (allowed)' };
    }
    const fromUser = inspected?.globalValue?.trim();
    return fromUser ? { path: fromUser, source: 'setting workerStudio.nodePath' } : undefined;
  }

  private key(path: string): string {
    return `nodePath.${path}`;
  }

  private async answerFor(path: string): Promise<Answer | undefined> {
    const remembered = this.memento.get<Answer>(this.key(path));
    if (remembered) return remembered;
    this.asking ??= this.ask(path).finally(() => (this.asking = undefined));
    return this.asking;
  }

  private async ask(path: string): Promise<Answer | undefined> {
    // A notification, not a modal dialog: the worker waits (the status bar says "starting") until it is answered.
    const choice = await vscode.window.showWarningMessage(
      `This workspace's settings set workerStudio.nodePath to "${path}": Worker Studio would run that program to serve the worker. Allow it? ` +
        `("${REFUSE}" uses your own setting or Worker Studio's choice of Node instead; the answer is remembered for this workspace.)`,
      ALLOW,
      REFUSE,
    );
    // Dismissed (closed without a choice): not an answer; refused this time, asked again next time.
    if (choice === undefined) return undefined;
    const answer: Answer = choice === ALLOW ? 'allowed' : 'refused';
    await this.memento.update(this.key(path), answer);
    return answer;
  }
}

/** What a settings change needs from the workers: which run for a folder, and restarting them. */
export interface Restartable {
  /** Running workers and the folder each was started for. */
  runningFolders(): { id: string; folder: vscode.WorkspaceFolder | undefined }[];
  restart(id: string): Promise<unknown>;
}

/**
 * When a setting a running worker was started with changes, a notification offers "Restart" (the change applies only
 * to new sidecars). The answer restarts every affected worker.
 */
export function offerRestartOnChange(workers: Restartable, onError: (message: string) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(async (event) => {
    const affected = workers.runningFolders().filter(({ folder }) => RESTART_SETTINGS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`, folder?.uri)));
    if (affected.length === 0) return;
    const changed = RESTART_SETTINGS.filter((key) => event.affectsConfiguration(`${SECTION}.${key}`)).map((key) => `${SECTION}.${key}`);
    const which = affected.length === 1 ? 'the running worker' : `the ${affected.length} running workers`;
    const choice = await vscode.window.showInformationMessage(`${changed.join(', ')} changed: restart ${which} to apply it?`, 'Restart');
    if (choice !== 'Restart') return;
    for (const { id } of affected) {
      await workers.restart(id).catch((err: unknown) => onError(`Could not restart the worker: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}
