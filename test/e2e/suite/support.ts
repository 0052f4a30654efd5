/**
 * What the E2E test files share: the workspace, the extension's API, waiting on events with explanations,
 * diagnostics and quick fixes, and DapRecorder (every DAP message of every debug session, for assertions and for
 * failure messages). No sleeps: every wait is on an event with a timeout that says what was seen.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { WorkerStudioApi } from '../../../client/src/extension.ts';
import type { SendRequestParams, SendRequestResult } from '../../../common/protocol.ts';

export const EXTENSION_ID = 'worker-studio.worker-studio';
export const BREAKPOINT_TEXT = 'const url = new URL(request.url);';
/** The language server's diagnostics carry this `source`; its rules' codes are below. */
export const DIAGNOSTIC_SOURCE = 'worker-studio';
export const MUTABLE_GLOBAL_STATE = 'mutable-global-state';
export const FLOATING_PROMISE = 'floating-promise';
/** The worker of the quick-fix tests: `let count = 0;` at module scope, `count++` and an un-awaited fetch in its handler. */
export const STATE_ENTRY = ['state', 'src', 'index.ts'] as const;

export const studioApi = () => vscode.extensions.getExtension<WorkerStudioApi>(EXTENSION_ID)!.exports;

export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open (the runner opens a copy of test/fixtures/e2e-workspace)');
  return folder;
}
export const inWorkspace = (...segments: string[]) => vscode.Uri.joinPath(workspaceFolder().uri, ...segments);

/** 0-based line of the first line of `file` matching `pattern`. */
export function lineOf(file: vscode.Uri, pattern: string | RegExp): number {
  const lines = readFileSync(file.fsPath, 'utf8').split('\n');
  const index = lines.findIndex((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
  assert.ok(index >= 0, `${file.fsPath} has no line matching ${String(pattern)}`);
  return index;
}

export function sendRequest(params: SendRequestParams): Promise<SendRequestResult | undefined> {
  return Promise.resolve(vscode.commands.executeCommand<SendRequestResult | undefined>('workerStudio.sendRequest', params));
}

/**
 * Resolves with the first non-undefined `check()` result, checked now and on every `event`; rejects after `ms` with
 * `explain()` (what was seen instead).
 */
export function waitForEvent<E, T>(event: vscode.Event<E>, check: () => T | undefined, ms: number, explain: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const now = check();
    if (now !== undefined) return resolve(now);
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out after ${ms / 1000} s: ${explain()}`));
    }, ms);
    const subscription = event(() => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

export const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
/** A diagnostic of the Worker Studio language server with this code. */
export const isStudio = (code: string) => (d: vscode.Diagnostic) => d.source === DIAGNOSTIC_SOURCE && codeOf(d) === code;

/** The file's diagnostics, one per line, for failure messages. */
export function describeDiagnostics(file: vscode.Uri): string {
  const present = vscode.languages.getDiagnostics(file);
  return present.length ? present.map((d) => `[${d.source ?? '?'} ${String(codeOf(d))}] line ${d.range.start.line + 1}: ${d.message}`).join(' | ') : 'none';
}

/** Resolves with the first non-undefined `check()` of the file's diagnostics, now or on a diagnostics change. */
export function waitForDiagnostics<T>(file: vscode.Uri, check: (diagnostics: vscode.Diagnostic[]) => T | undefined, ms: number, what: string): Promise<T> {
  return waitForEvent(
    vscode.languages.onDidChangeDiagnostics,
    () => check(vscode.languages.getDiagnostics(file)),
    ms,
    () => `${what}; diagnostics of ${file.fsPath}: ${describeDiagnostics(file)} (is the language server running? see the Worker Studio log)`,
  );
}

/** The quick fixes VS Code offers at `range` (every provider's: the built-in TypeScript one's too). */
export async function quickFixesAt(file: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = await within(
    vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[] | undefined>('vscode.executeCodeActionProvider', file, range, vscode.CodeActionKind.QuickFix.value),
    30_000,
    () => `vscode.executeCodeActionProvider at ${file.fsPath}:${range.start.line + 1}`,
  );
  return (actions ?? []).filter((a): a is vscode.CodeAction => typeof a.command !== 'string');
}

/**
 * Opens a workspace file in an editor and runs `body` on it, then puts the file's original text back (saved), so the
 * tests after it (and a re-run on the same workspace) see the fixture as it is.
 */
export async function editThenRestore(file: vscode.Uri, body: (document: vscode.TextDocument) => Promise<void>): Promise<void> {
  const original = readFileSync(file.fsPath, 'utf8');
  const document = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(document);
  try {
    await body(document);
  } finally {
    if (document.getText() !== original) {
      const restore = new vscode.WorkspaceEdit();
      restore.replace(file, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), original);
      assert.equal(await vscode.workspace.applyEdit(restore), true, `could not put back the text of ${file.fsPath}`);
    }
    if (document.isDirty) await document.save();
  }
}

/**
 * Opens the notifications center. Under the smoke-test driver the workbench shows no notification toasts: the center
 * is where the UI driver's `notification.*` scenarios find notifications (test/e2e/ui/workbenchScenarios.ts).
 */
export async function showNotificationsCenter(): Promise<void> {
  await vscode.commands.executeCommand('notifications.showList');
}

/** Races a promise against a timeout whose error says what was awaited. */
export async function within<T>(promise: Thenable<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(promise),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what()}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// DAP traffic of every debug session (parent and children), for waiting on events like `stopped`.

export interface DapMessage {
  type: 'request' | 'response' | 'event';
  seq?: number;
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown> & {
    threadId?: number;
    breakpoints?: Array<{ verified?: boolean; line?: number; message?: string }>;
    breakpoint?: { verified?: boolean; line?: number; message?: string };
    reason?: string;
  };
  /** A request's arguments (setBreakpoints: the lines the editor asks for). */
  arguments?: { breakpoints?: Array<{ line?: number; column?: number }>; line?: number };
}
export interface Recorded {
  session: vscode.DebugSession;
  fromAdapter: boolean;
  message: DapMessage;
}

export class DapRecorder implements vscode.Disposable {
  readonly messages: Recorded[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onWillReceiveMessage: (message: DapMessage) => this.push({ session, fromAdapter: false, message }),
        onDidSendMessage: (message: DapMessage) => this.push({ session, fromAdapter: true, message }),
        onError: (error: Error) => this.push({ session, fromAdapter: true, message: { type: 'event', event: 'tracker-error', message: error.message } }),
        onExit: (code: number | undefined, signal: string | undefined) =>
          this.push({ session, fromAdapter: true, message: { type: 'event', event: 'adapter-exit', message: `${code ?? signal}` } }),
      }),
    });
  }

  private push(recorded: Recorded): void {
    this.messages.push(recorded);
    this.emitter.fire();
  }

  /** A position in the recording: waits can look only at messages after it. */
  mark(): number {
    return this.messages.length;
  }

  waitFor<T>(since: number, pick: (m: Recorded) => T | undefined, ms: number, what: string): Promise<T> {
    return waitForEvent(
      this.emitter.event,
      () => {
        for (let i = since; i < this.messages.length; i++) {
          const value = pick(this.messages[i]!);
          if (value !== undefined) return value;
        }
        return undefined;
      },
      ms,
      () => `${what}; DAP traffic since then:\n${this.summary(since)}`,
    );
  }

  /** One line per message, for failure messages. */
  summary(since = 0, max = 60): string {
    const lines = this.messages.slice(since).map(({ session, fromAdapter, message: m }) => {
      const what = m.type === 'event' ? `event ${m.event}` : `${m.type} ${m.command}${m.type === 'response' ? (m.success ? ' ok' : ` FAILED ${m.message ?? ''}`) : ''}`;
      const detail =
        m.arguments?.breakpoints ?? (m.command === 'breakpointLocations' && m.type === 'request' ? { line: m.arguments?.line } : undefined) ?? m.body?.breakpoints ?? m.body?.breakpoint ?? (m.event === 'loadedSource' ? (m.body?.source as { path?: string } | undefined)?.path : undefined) ?? (m.event === 'stopped' || m.event === 'output' ? m.body : undefined);
      return `  [${session.name}] ${fromAdapter ? '<-' : '->'} ${what}${detail ? ` ${JSON.stringify(detail).slice(0, 200)}` : ''}`;
    });
    return (lines.length > max ? [`  … ${lines.length - max} earlier`, ...lines.slice(-max)] : lines).join('\n') || '  (none)';
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The debug sessions that run, and stopping them.

/**
 * The debug sessions running now (parent and children), kept from the workbench's start and terminate events from
 * the moment it is created. A suite creates it before a test starts a session.
 */
export class DebugSessions implements vscode.Disposable {
  private readonly running = new Set<vscode.DebugSession>();
  private readonly subscriptions = [
    vscode.debug.onDidStartDebugSession((session) => this.running.add(session)),
    vscode.debug.onDidTerminateDebugSession((session) => this.running.delete(session)),
  ];

  get size(): number {
    return this.running.size;
  }

  /** `name (type)` of each, for failure messages. */
  names(): string {
    return [...this.running].map((s) => `${s.name} (${s.type})`).join(', ') || 'none';
  }

  /** js-debug's child session (the one running the worker): where exception breakpoints are set. */
  child(): vscode.DebugSession {
    const child = [...this.running].find((s) => s.parentSession);
    assert.ok(child, `no child debug session; sessions: ${this.names()}`);
    return child;
  }

  /** Stops every session (as the Stop button does) and resolves once each has ended. */
  async stopAll(ms = 20_000): Promise<void> {
    // This class's terminate listener was registered first, so it has removed each session before this check runs.
    const ended = waitForEvent(vscode.debug.onDidTerminateDebugSession, () => (this.running.size === 0 ? true : undefined), ms, () => `debug sessions still running after stopDebugging: ${this.names()}`);
    await vscode.debug.stopDebugging();
    await ended;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Starting and stopping workers as the commands do.

type ListedWorker = ReturnType<WorkerStudioApi['workers']>[number];

/** Starts the worker of `folder` (a path) with workerStudio.start; answers it once it is listed. */
export async function startWorker(folder: string): Promise<ListedWorker> {
  const api = studioApi();
  const listed = waitForEvent(api.onDidChangeWorkers, () => api.workers()[0], 45_000, () => `workerStudio.start ${folder} listed no worker (see the Worker Studio log)`);
  await within(Promise.resolve(vscode.commands.executeCommand('workerStudio.start', folder)), 45_000, () => `workerStudio.start ${folder}`);
  return listed;
}

/** Stops every worker with workerStudio.stop (nothing when none runs) and resolves once none is listed. */
export async function stopWorkers(): Promise<void> {
  const api = studioApi();
  const gone = waitForEvent(api.onDidChangeWorkers, () => (api.workers().length === 0 ? true : undefined), 20_000, () => `workers still running after workerStudio.stop: ${JSON.stringify(api.workers())}`);
  await vscode.commands.executeCommand('workerStudio.stop');
  await gone;
}
