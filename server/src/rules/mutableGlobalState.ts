/**
 * Rule `mutable-global-state` (warning): module-scope state — a top-level binding, or an object, array, Map or Set it
 * holds — or a global (`globalThis.x`, `self.x`) changed by code that can run per request: a handler, anything it
 * calls (through the type checker, across the project's files) and callbacks (analysis/perRequestCode.ts,
 * analysis/stateWrites.ts). Not flagged: top-level initialisation and functions only it calls, reads, locals and
 * parameters (shadowing included), and instance fields (`this.x`, e.g. a Durable Object's own state). Writes that store
 * a request-scoped object are request-state-in-global's (an error) and not repeated here.
 *
 * Lazily initialised values (`client ??= new Client(env.KEY)`, `if (!db) db = connect(env)`) are flagged too, with
 * their own message: they are global mutable state, but a per-isolate cache of a value that never depends on a
 * request is a common and mostly safe pattern, so the message says exactly that condition instead of calling it a bug.
 * (Objects holding I/O are the exception even then: a socket opened in one request cannot be used by another.)
 * A project that uses the pattern on purpose silences a site with `// worker-studio-ignore-next-line mutable-global-state`.
 *
 * Quick fix: "Move `x` into the handler" when the binding is used in one handler only (moveIntoHandlerFix.ts).
 */
import ts from 'typescript';
import { perRequestCode } from '../analysis/perRequestCode.ts';
import { stateWrites, type StateWrite } from '../analysis/stateWrites.ts';
import { moveIntoHandlerFix } from './moveIntoHandlerFix.ts';
import { storedRequestState } from './requestStateInGlobal.ts';
import type { QuickFix, Rule, RuleDiagnostic } from './rule.ts';

export const MUTABLE_GLOBAL_STATE = 'mutable-global-state';

const WHY =
  'In production requests are spread over many instances with no affinity and an instance can be evicted at any time, so the value is neither shared by all requests nor kept.';
const LAZY_WHY =
  'In production each instance builds its own and an eviction drops it, and an object doing I/O (a socket, a stream) cannot be used by a later request.';

export const mutableGlobalState: Rule = (context) => {
  const code = perRequestCode(context.program, context.bindings);
  const diagnostics: RuleDiagnostic[] = [];
  // One fix per binding, however many writes it has.
  const fixes = new Map<unknown, QuickFix | undefined>();
  for (const write of stateWrites(context.program, context.bindings, context.sourceFile)) {
    if (storedRequestState(context.checker, code, write)) continue;
    const start = write.node.getStart(context.sourceFile);
    const key = write.owner.kind === 'module' ? write.owner.symbol : write;
    if (!fixes.has(key)) fixes.set(key, moveIntoHandlerFix(context.program, code, context.sourceFile, write.owner));
    const fix = fixes.get(key);
    diagnostics.push({
      code: MUTABLE_GLOBAL_STATE,
      start,
      length: write.node.getEnd() - start,
      message: describe(write, context.sourceFile),
      category: ts.DiagnosticCategory.Warning,
      ...(fix ? { fixes: [fix] } : {}),
    });
  }
  return diagnostics;
};

function describe(write: StateWrite, sourceFile: ts.SourceFile): string {
  const name = write.owner.name;
  if (write.owner.kind === 'global') return `The global \`${name}\` is changed here while handling a request. ${WHY}`;
  if (write.owner.kind === 'handler-object') return `\`${name}\` is state of the exported handler object (module scope), changed here while handling a request. ${WHY}`;
  if (write.lazy) return `\`${name}\` is initialised lazily in module scope while handling a request: fine only if its value never depends on a request. ${LAZY_WHY}`;
  if (write.rebinds) return `\`${name}\` is module-scope state, reassigned here while handling a request. ${WHY}`;
  return `\`${name}\` is module-scope state, changed here (\`${excerpt(write.node.getText(sourceFile))}\`) while handling a request. ${WHY}`;
}

function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 40 ? `${oneLine.slice(0, 39)}…` : oneLine;
}
