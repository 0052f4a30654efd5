/**
 * Scripts of released instances, which V8 must not be asked about. An evicted, reloaded or replaced instance's context
 * is released, and V8 frees it later; a request that compiles one of its lazy functions afterwards — what
 * `Debugger.getPossibleBreakpoints` and `Debugger.setBreakpoint` do — crashes the process (SIGSEGV, isolated-vm 7 on
 * Node 24: reproduced with released contexts and memory pressure). js-debug asks `getPossibleBreakpoints` of every
 * script of a source each time VS Code shows a stop, old instances' included. The relay answers those itself:
 * a released instance has no breakpoint locations.
 */
import type { CdpMessage } from './inspectorRelay.ts';

/** isolated-vm's own context, first in every isolate: not an instance, never released. */
const INTERNAL_CONTEXT_ID = 1;

export class ReleasedScripts {
  readonly #liveContexts: (() => number[]) | undefined;
  /** scriptId → the inspector context id it was compiled in. */
  readonly #contextOf = new Map<string, number>();

  /** `liveContexts`: the pool's live instances, numbered in creation order (InspectorTarget.liveContexts). */
  constructor(liveContexts?: () => number[]) {
    this.#liveContexts = liveContexts;
  }

  /** V8 → client: notes the context of each script parsed. */
  fromV8(text: string): void {
    if (!text.startsWith('{"method":"Debugger.scriptParsed"')) return;
    const params = (JSON.parse(text) as CdpMessage).params;
    if (typeof params?.scriptId === 'string' && typeof params.executionContextId === 'number') this.#contextOf.set(params.scriptId, params.executionContextId);
  }

  /** Client → V8: what the relay answers itself (instead of V8) for a request about a released instance's script. */
  answer(message: CdpMessage): Pick<CdpMessage, 'result' | 'error'> | undefined {
    const params = message.params ?? {};
    if (message.method === 'Debugger.getPossibleBreakpoints') {
      return this.#released((params.start as { scriptId?: unknown } | undefined)?.scriptId) ? { result: { locations: [] } } : undefined;
    }
    if (message.method === 'Debugger.setBreakpoint') {
      const released = this.#released((params.location as { scriptId?: unknown } | undefined)?.scriptId);
      return released ? { error: { code: -32000, message: 'The instance that ran this script was released (evicted or reloaded)' } } : undefined;
    }
    return undefined;
  }

  #released(scriptId: unknown): boolean {
    const context = typeof scriptId === 'string' ? this.#contextOf.get(scriptId) : undefined;
    const live = this.#liveContexts?.();
    if (context === undefined || context === INTERNAL_CONTEXT_ID || !live) return false;
    // V8 numbers an isolate's inspector contexts 1, 2, 3… in creation order and isolated-vm's own is the first: the
    // pool's n-th context is n + 1 (as ContextDefaults assumes).
    return !live.some((n) => n + 1 === context);
  }
}
