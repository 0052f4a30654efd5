/**
 * The status-bar item: the state of the latest worker (starting, bundling, loading, running on its URL, failed,
 * stopped). Clicking it focuses the request panel. Hidden until a worker has been started in this window.
 */
import * as vscode from 'vscode';
import type { WorkerState, Workers } from './workers.ts';

export const STATUS_BAR_ID = 'workerStudio.status';
/** VS Code's command that focuses the request panel (a webview view gets `<view id>.focus`). */
const FOCUS_PANEL = 'workerStudio.requestPanel.focus';

/** What the item shows for a state: text (with a codicon), tooltip, and whether it is an error. */
export function describeState(state: WorkerState): { text: string; tooltip: string; error: boolean } {
  switch (state.phase) {
    case 'starting':
    case 'bundling':
    case 'loading':
      return { text: `$(loading~spin) Worker: ${state.phase}`, tooltip: `Worker Studio: ${state.phase} ${state.target}`, error: false };
    case 'running':
      return {
        text: `$(radio-tower) ${state.url.replace(/^https?:\/\//, '')}`,
        tooltip: `Worker Studio: serving ${state.entry} on ${state.url}. Click to open the request panel.`,
        error: false,
      };
    case 'failed':
      return { text: '$(error) Worker failed', tooltip: `Worker Studio: ${state.reason}\n(Worker Studio: Show Output has the details.)`, error: true };
    case 'stopped':
      return { text: '$(circle-slash) Worker stopped', tooltip: `Worker Studio: ${state.target} is not running. Click to open the request panel.`, error: false };
  }
}

export class WorkerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;
  private readonly rendered = new vscode.EventEmitter<void>();
  /** The item's text or visibility changed (the extension's API passes it on). */
  readonly onDidChange = this.rendered.event;

  constructor(workers: Workers) {
    this.item.name = 'Worker Studio';
    this.item.command = FOCUS_PANEL;
    this.subscription = workers.onDidChangeState((state) => this.render(state));
    this.render(workers.state);
  }

  /** What the item shows now (the extension's API gives it to tests and other extensions). */
  get shown(): { text: string; tooltip: string; command: string; visible: boolean } {
    return { text: this.item.text, tooltip: String(this.item.tooltip ?? ''), command: FOCUS_PANEL, visible: this.visible };
  }

  private visible = false;

  private render(state: WorkerState | undefined): void {
    if (!state) {
      this.item.hide();
      this.visible = false;
      this.rendered.fire();
      return;
    }
    const { text, tooltip, error } = describeState(state);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
    this.visible = true;
    this.rendered.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.rendered.dispose();
    this.item.dispose();
  }
}
