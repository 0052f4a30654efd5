/**
 * What the request panel keeps per workspace (workspaceState): the history of exchanges (newest first, capped, large
 * bodies cut so the state stays small), saved requests by name, and the picked environment.
 */
import type * as vscode from 'vscode';
import type { PanelExchange, PanelRequest, RequestRecord, SavedRequest } from '../../../common/protocol.ts';

const HISTORY_KEY = 'workerStudio.panel.history';
const SAVED_KEY = 'workerStudio.panel.saved';
const ENVIRONMENT_KEY = 'workerStudio.panel.environment';
/** Exchanges kept; older ones drop off. */
export const HISTORY_LIMIT = 50;
/** The most of a response body history keeps (the panel shows the whole one while it is the current exchange). */
const STORED_BODY_LIMIT = 64 * 1024;

export class PanelStore {
  private readonly state: vscode.Memento;

  constructor(state: vscode.Memento) {
    this.state = state;
  }

  history(): PanelExchange[] {
    return this.state.get<PanelExchange[]>(HISTORY_KEY, []);
  }

  async add(exchange: PanelExchange): Promise<void> {
    await this.state.update(HISTORY_KEY, [compact(exchange), ...this.history().filter((e) => e.id !== exchange.id)].slice(0, HISTORY_LIMIT));
  }

  /** Stores the runtime's record with the exchange it belongs to, if that is still in history. */
  async attachRecord(exchangeId: string, record: RequestRecord): Promise<void> {
    const history = this.history();
    const index = history.findIndex((e) => e.id === exchangeId);
    if (index < 0) return;
    history[index] = { ...history[index]!, record };
    await this.state.update(HISTORY_KEY, history);
  }

  async clearHistory(): Promise<void> {
    await this.state.update(HISTORY_KEY, []);
  }

  saved(): SavedRequest[] {
    return this.state.get<SavedRequest[]>(SAVED_KEY, []);
  }

  /** Saves under `name`, replacing a request saved under it before. */
  async save(name: string, request: PanelRequest): Promise<void> {
    const others = this.saved().filter((s) => s.name !== name);
    await this.state.update(SAVED_KEY, [...others, { name, request }].sort((a, b) => a.name.localeCompare(b.name)));
  }

  async deleteSaved(name: string): Promise<void> {
    await this.state.update(SAVED_KEY, this.saved().filter((s) => s.name !== name));
  }

  environment(): string | undefined {
    return this.state.get<string>(ENVIRONMENT_KEY);
  }

  async setEnvironment(name: string | undefined): Promise<void> {
    await this.state.update(ENVIRONMENT_KEY, name);
  }
}

/** The exchange with a body history can afford (cut bodies are marked truncated, as the sidecar marks its own). */
function compact(exchange: PanelExchange): PanelExchange {
  const result = exchange.result;
  if (!result || result.body.length <= STORED_BODY_LIMIT) return exchange;
  return { ...exchange, result: { ...result, body: result.body.slice(0, STORED_BODY_LIMIT), truncated: true } };
}
