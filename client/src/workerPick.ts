/**
 * Which worker F5 means when no launch configuration says: the worker folder of the active editor's file (the nearest
 * folder up from it with a wrangler config, within its workspace folder); else the only worker folder of the
 * workspace; else the one the user picks among the folders that have a wrangler config (never among the others).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAMES, findConfigFile } from '../../common/workerProject.ts';

export interface WorkerFolder {
  /** The folder with the wrangler config. */
  path: string;
  /** The workspace folder it is in (what `${workspaceFolder}` means for its session). */
  workspaceFolder: vscode.WorkspaceFolder;
}

/** Where wrangler configs are looked for: not in dependencies or Worker Studio's build output. */
const CONFIG_GLOB = `**/{${CONFIG_FILE_NAMES.join(',')}}`;
const EXCLUDE_GLOB = '**/{node_modules,.worker-studio,.wrangler,dist}/**';
/** Enough for a quick pick; a workspace with more worker folders than this is searched no further. */
const MAX_CONFIGS = 200;

/** The worker folder that holds `file`: the nearest folder, from the file's up to its workspace folder, with a wrangler config. */
export function workerFolderOf(file: vscode.Uri): WorkerFolder | undefined {
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(file);
  if (!workspaceFolder || file.scheme !== 'file') return undefined;
  const root = workspaceFolder.uri.fsPath;
  for (let dir = path.dirname(file.fsPath); ; dir = path.dirname(dir)) {
    if (findConfigFile(dir)) return { path: dir, workspaceFolder };
    if (dir === root || path.dirname(dir) === dir || !dir.startsWith(root)) return undefined;
  }
}

/** Every folder of the workspace that has a wrangler config, sorted by path. */
export async function workerFolders(): Promise<WorkerFolder[]> {
  const configs = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, MAX_CONFIGS);
  const byPath = new Map<string, WorkerFolder>();
  for (const config of configs) {
    const workspaceFolder = vscode.workspace.getWorkspaceFolder(config);
    const dir = path.dirname(config.fsPath);
    if (workspaceFolder && !byPath.has(dir)) byPath.set(dir, { path: dir, workspaceFolder });
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The worker F5 runs (see the module comment); undefined when there is none or the user dismissed the pick. */
export async function pickWorkerFolder(): Promise<WorkerFolder | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const ofActive = active && workerFolderOf(active);
  if (ofActive) return ofActive;
  const folders = await workerFolders();
  if (folders.length === 0) {
    void vscode.window.showErrorMessage(`No folder of this workspace has a ${CONFIG_FILE_NAMES.join(' / ')}: open a worker's folder to run it.`);
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  const picked = await vscode.window.showQuickPick(
    folders.map((folder) => ({
      label: path.relative(folder.workspaceFolder.uri.fsPath, folder.path) || folder.workspaceFolder.name,
      description: vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders.length > 1 ? folder.workspaceFolder.name : undefined,
      detail: path.basename(findConfigFile(folder.path) ?? ''),
      folder,
    })),
    { placeHolder: 'Which worker should run? (folders with a wrangler config)' },
  );
  return picked?.folder;
}
