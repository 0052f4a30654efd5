/**
 * The "Workers" tree (view `workerStudio.workers` in the Worker Studio container): each running worker, and under
 * it its instances with what each served since it was (re)created, the CPU that used, the heap of the isolate they
 * share, and how often it was evicted. Figures come from the sidecar (runtime/instances) whenever the tree is read;
 * the tree asks to be re-read after requests, evictions and starts/stops, at most every REFRESH_MS.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { InstancesResult, InstanceStats } from '../../common/protocol.ts';
import type { RunningWorker, Workers } from './workers.ts';

export const WORKERS_VIEW_ID = 'workerStudio.workers';
/** Bursts of requests redraw the tree once: the figures are read from the sidecar at each redraw. */
const REFRESH_MS = 300;

export type WorkersTreeNode =
  | { kind: 'worker'; worker: RunningWorker }
  | { kind: 'instance'; worker: RunningWorker; stats: InstanceStats; heap: InstancesResult['heap']; shared: number };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const milliseconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** `3 requests · 1.2 ms CPU · 4.1 MB · evicted 1×` (the MB: the isolate's heap): what an instance row says. */
export function describeInstance(stats: InstanceStats, heap: InstancesResult['heap']): string {
  const parts = [plural(stats.served, 'request'), `${milliseconds(stats.cpuMs)} CPU`];
  if (heap) parts.push(megabytes(heap.usedBytes));
  if (stats.evictions) parts.push(`evicted ${stats.evictions}×`);
  if (stats.inFlight) parts.push(`${stats.inFlight} running`);
  return parts.join(' · ');
}

export class WorkersTreeProvider implements vscode.TreeDataProvider<WorkersTreeNode>, vscode.Disposable {
  private readonly workers: Workers;
  private readonly changed = new vscode.EventEmitter<WorkersTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(workers: Workers) {
    this.workers = workers;
    this.subscriptions = [
      workers.onDidChange(() => this.refreshNow()),
      workers.onDidCompleteRequest(() => this.refreshSoon()),
      workers.onDidEvict(() => this.refreshSoon()),
    ];
  }

  /** Starts and stops redraw at once; figures (requests, evictions) at most every REFRESH_MS. */
  private refreshSoon(): void {
    this.pending ??= setTimeout(() => this.refreshNow(), REFRESH_MS);
  }

  private refreshNow(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.changed.fire(undefined);
  }

  async getChildren(node?: WorkersTreeNode): Promise<WorkersTreeNode[]> {
    if (!node) return this.workers.list().map((worker) => ({ kind: 'worker', worker }));
    if (node.kind !== 'worker') return [];
    let result: InstancesResult;
    try {
      result = await this.workers.instances(node.worker.id);
    } catch {
      return []; // stopped meanwhile: the tree is redrawn without it
    }
    return result.instances.map((stats) => ({ kind: 'instance', worker: node.worker, stats, heap: result.heap, shared: result.instances.length }));
  }

  getTreeItem(node: WorkersTreeNode): vscode.TreeItem {
    return node.kind === 'worker' ? workerItem(node.worker) : instanceItem(node);
  }

  getParent(node: WorkersTreeNode): WorkersTreeNode | undefined {
    return node.kind === 'instance' ? { kind: 'worker', worker: node.worker } : undefined;
  }

  dispose(): void {
    clearTimeout(this.pending);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

function workerItem(worker: RunningWorker): vscode.TreeItem {
  const { info, settings } = worker;
  const item = new vscode.TreeItem(path.basename(worker.target), vscode.TreeItemCollapsibleState.Expanded);
  item.id = worker.id;
  item.description = info.url;
  item.iconPath = new vscode.ThemeIcon('radio-tower');
  // `hasConfig`: "Open Config" is offered only when the worker has a wrangler config.
  item.contextValue = info.config ? 'worker hasConfig' : 'worker';
  const lines = [
    `**${path.basename(worker.target)}** on ${info.url}`,
    `entry: \`${info.entry}\``,
    info.config ? `config: \`${info.config}\`` : 'no wrangler config',
    `${plural(settings.instances, 'instance')}, CPU limit ${settings.cpuLimitMs} ms per request, memory limit ${settings.memoryLimitMb} MB`,
    info.inspectorPort ? `inspector: 127.0.0.1:${info.inspectorPort}` : undefined,
    `sidecar process ${worker.sidecar.pid ?? '?'}`,
  ];
  item.tooltip = new vscode.MarkdownString(lines.filter(Boolean).join('\n\n'));
  return item;
}

function instanceItem(node: Extract<WorkersTreeNode, { kind: 'instance' }>): vscode.TreeItem {
  const { stats, heap, shared } = node;
  const item = new vscode.TreeItem(`#${stats.instance}`, vscode.TreeItemCollapsibleState.None);
  item.id = `${node.worker.id}/${stats.instance}`;
  item.description = describeInstance(stats, heap);
  item.iconPath = new vscode.ThemeIcon(stats.inFlight ? 'vm-running' : 'vm');
  item.contextValue = 'instance';
  const lines = [
    `Instance #${stats.instance}: its own global scope since ${new Date(stats.createdAt).toLocaleTimeString()}`,
    `${plural(stats.served, 'request')} served, ${milliseconds(stats.cpuMs)} of CPU`,
    heap ? `heap: ${megabytes(heap.usedBytes)} of ${megabytes(heap.limitBytes)}, of the isolate its ${shared} instances share` : 'heap: the isolate is being replaced',
    stats.evictions ? `evicted ${stats.evictions}×, last: ${stats.lastEviction ?? '?'}` : 'never evicted',
  ];
  item.tooltip = lines.join('\n');
  return item;
}

/** What a tree command acts on: its node (from the tree's menus), else the current worker (palette, keybinding). */
function targetWorker(workers: Workers, node: WorkersTreeNode | undefined): RunningWorker {
  const worker = node?.worker ?? workers.current();
  if (!worker) throw new Error('No worker is running. Press F5 or run "Worker Studio: Start Worker" first.');
  return worker;
}

/**
 * The view and its commands: evict an instance / all instances, restart the worker, open its wrangler config.
 * Failures go to `onError` (a notification with "Open Output"); each command also answers for tests and scripts.
 */
export function registerWorkersView(workers: Workers, onError: (message: string) => void): { provider: WorkersTreeProvider; disposable: vscode.Disposable } {
  const provider = new WorkersTreeProvider(workers);
  const view = vscode.window.createTreeView(WORKERS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: false });
  const guarded =
    <A extends unknown[], R>(what: string, body: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R | undefined> => {
      try {
        return await body(...args);
      } catch (err) {
        onError(`Could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    };
  const disposable = vscode.Disposable.from(
    provider,
    view,
    vscode.commands.registerCommand(
      'workerStudio.evictInstance',
      guarded('evict the instance', async (node?: WorkersTreeNode) => {
        if (node?.kind !== 'instance') throw new Error('pick an instance in the Workers view');
        return workers.evict(node.worker.id, node.stats.instance);
      }),
    ),
    vscode.commands.registerCommand(
      'workerStudio.evictAll',
      guarded('evict the instances', async (node?: WorkersTreeNode) => workers.evict(targetWorker(workers, node).id)),
    ),
    vscode.commands.registerCommand(
      'workerStudio.restart',
      guarded('restart the worker', async (node?: WorkersTreeNode) => workers.restart(targetWorker(workers, node).id)),
    ),
    vscode.commands.registerCommand(
      'workerStudio.openConfig',
      guarded("open the worker's config", async (node?: WorkersTreeNode) => {
        const worker = targetWorker(workers, node);
        if (!worker.info.config) throw new Error(`${worker.target} has no wrangler config (it runs the entry ${worker.info.entry})`);
        await vscode.window.showTextDocument(vscode.Uri.file(worker.info.config));
        return worker.info.config;
      }),
    ),
  );
  return { provider, disposable };
}
