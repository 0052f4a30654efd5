/**
 * A worker thread stopped in the debugger, seen through DAP as the Debug views see it: its stack, scopes, variables,
 * evaluations and steps. Requests go to the session that reported the stop (js-debug's child session, which runs the
 * worker); every wait is on DAP traffic recorded by DapRecorder, with failure messages that show that traffic.
 */
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { DapRecorder, Recorded } from './support.ts';

export interface Frame {
  id: number;
  name: string;
  /** 1-based, as DAP reports it (the client asks for 1-based lines). */
  line: number;
  column: number;
  source?: { path?: string; name?: string };
}
export interface Variable {
  name: string;
  value: string;
  variablesReference: number;
}

/** `name path:line` per frame, for failure messages. */
export const describeFrames = (frames: Frame[]) => frames.map((f) => `${f.name} ${f.source?.path ?? f.source?.name ?? '?'}:${f.line}`).join(' | ');

/** Whether a frame is in the workspace file whose path ends with `suffix` (e.g. `debug/src/greet.ts`). */
export const frameIn = (frame: Frame | undefined, suffix: string) => frame?.source?.path?.replace(/\\/g, '/').endsWith(suffix) === true;

const isStopped = (r: Recorded) => (r.fromAdapter && r.message.type === 'event' && r.message.event === 'stopped' ? r : undefined);

export class PausedThread {
  readonly session: vscode.DebugSession;
  readonly threadId: number;
  /** Why it stopped, as the `stopped` event said (`breakpoint`, `step`, `exception`, …). */
  readonly reason: string | undefined;
  private readonly dap: DapRecorder;

  private constructor(dap: DapRecorder, stopped: Recorded) {
    const threadId = stopped.message.body?.threadId;
    assert.equal(typeof threadId, 'number', `stopped event without threadId: ${JSON.stringify(stopped.message)}`);
    this.dap = dap;
    this.session = stopped.session;
    this.threadId = threadId as number;
    this.reason = stopped.message.body?.reason;
  }

  /** The first `stopped` event after `since` (a DapRecorder mark). */
  static async next(dap: DapRecorder, since: number, ms: number, what: string): Promise<PausedThread> {
    return new PausedThread(dap, await dap.waitFor(since, isStopped, ms, what));
  }

  async stack(levels = 20): Promise<Frame[]> {
    const trace = (await this.session.customRequest('stackTrace', { threadId: this.threadId, startFrame: 0, levels })) as { stackFrames: Frame[] };
    assert.ok(trace.stackFrames.length > 0, 'empty stack trace at the stop');
    return trace.stackFrames;
  }

  /** The top frame, asserted to be at `line` (0-based, as the tests find it) of the file ending with `suffix`. */
  async assertAt(suffix: string, line: number, what: string): Promise<Frame[]> {
    const frames = await this.stack();
    const top = frames[0];
    // assert.fail, not a comparison: mocha would cut a diff's message down to what precedes ": expected".
    if (!frameIn(top, suffix) || top?.line !== line + 1) assert.fail(`${what} should stop at ${suffix}:${line + 1}; it stopped (${this.reason}) at ${describeFrames(frames)}`);
    return frames;
  }

  /** The variables of the top frame's first scope whose name matches (js-debug: `Local: fetch`, `Block: …`, `Closure`). */
  async variables(scopePattern: RegExp, frameId?: number): Promise<Variable[]> {
    const frame = frameId ?? (await this.stack(1))[0]!.id;
    const { scopes } = (await this.session.customRequest('scopes', { frameId: frame })) as { scopes: { name: string; variablesReference: number }[] };
    const scope = scopes.find((s) => scopePattern.test(s.name));
    assert.ok(scope, `no scope matching ${String(scopePattern)}; scopes: ${scopes.map((s) => s.name).join(', ')}`);
    const { variables } = (await this.session.customRequest('variables', { variablesReference: scope.variablesReference })) as { variables: Variable[] };
    return variables;
  }

  /** Evaluates in the top frame (or `frameId`) as the Watch view (`watch`) or the Debug Console (`repl`) does. */
  async evaluate(expression: string, context: 'watch' | 'repl' | 'hover', frameId?: number): Promise<string> {
    const frame = frameId ?? (await this.stack(1))[0]!.id;
    const answer = (await this.session.customRequest('evaluate', { expression, frameId: frame, context })) as { result: string };
    return answer.result;
  }

  /** Steps (`stepIn`, `next` = step over, `stepOut`) and waits for the stop that ends the step. */
  async step(kind: 'stepIn' | 'next' | 'stepOut', ms = 20_000): Promise<PausedThread> {
    const since = this.dap.mark();
    await this.session.customRequest(kind, { threadId: this.threadId });
    return PausedThread.next(this.dap, since, ms, `${kind} did not stop again`);
  }

  async continue(): Promise<void> {
    await this.session.customRequest('continue', { threadId: this.threadId });
  }
}
