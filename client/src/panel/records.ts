/**
 * Matches an exchange's SendRequest result (which names its record id) with the RequestRecord that arrives later,
 * once the request's waitUntil work is done, through Workers.onDidCompleteRequest. Record ids are per sidecar: the
 * cache is emptied when the current worker changes.
 */
import type * as vscode from 'vscode';
import type { RequestRecord } from '../../../common/protocol.ts';

/** Records kept for a result that asks for one after its record arrived. */
const KEEP = 200;

export class RecordMatcher implements vscode.Disposable {
  private readonly recent = new Map<number, RequestRecord>();
  private readonly waiting = new Map<number, (record: RequestRecord) => void>();
  private readonly subscriptions: vscode.Disposable[];
  private workerKey: string | undefined;

  constructor(onRecord: vscode.Event<RequestRecord>, onWorkersChange: vscode.Event<void>, currentWorker: () => string | undefined) {
    this.workerKey = currentWorker();
    this.subscriptions = [
      onRecord((record) => this.arrived(record)),
      onWorkersChange(() => {
        const key = currentWorker();
        if (key === this.workerKey) return;
        this.workerKey = key;
        this.recent.clear();
        this.waiting.clear();
      }),
    ];
  }

  /** Calls `then` with the record `id` once it has arrived (at once if it already has). */
  whenRecorded(id: number, then: (record: RequestRecord) => void): void {
    const record = this.recent.get(id);
    if (record) then(record);
    else this.waiting.set(id, then);
  }

  private arrived(record: RequestRecord): void {
    this.recent.set(record.id, record);
    if (this.recent.size > KEEP) this.recent.delete(this.recent.keys().next().value!);
    const then = this.waiting.get(record.id);
    if (!then) return;
    this.waiting.delete(record.id);
    then(record);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
