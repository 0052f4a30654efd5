/**
 * Rule `request-state-in-global` (error): a request-scoped object — the Request, a Response, a body stream, `ctx`,
 * `env`, the event, a promise of a Response — stored in module or global state from per-request code: the classic
 * "cached response promise" bug (`pending ??= fetch(url)` shared by every later request). What counts as
 * request-scoped is decided by the stored value's type (analysis/requestScoped.ts); the writes are those of
 * analysis/stateWrites.ts, so every write this rule reports is left out of mutable-global-state.
 */
import ts from 'typescript';
import type { PerRequestCode } from '../analysis/perRequestCode.ts';
import { perRequestCode } from '../analysis/perRequestCode.ts';
import { describeRequestScoped } from '../analysis/requestScoped.ts';
import { stateWrites, type StateWrite } from '../analysis/stateWrites.ts';
import type { Rule, RuleDiagnostic } from './rule.ts';

export const REQUEST_STATE_IN_GLOBAL = 'request-state-in-global';

const WHY =
  'In production it must not outlive its request: a later request on the same instance would use this one’s object (a body already read, I/O it may not touch, another user’s data), and other instances never see it.';

/** What request-scoped object a write stores (`a Response`, `env`…), if it stores one. */
export function storedRequestState(checker: ts.TypeChecker, code: PerRequestCode, write: StateWrite): string | undefined {
  for (const value of write.values) {
    const described = describeRequestScoped(checker, code, value);
    if (described) return described;
  }
  return undefined;
}

const WHERE: Record<StateWrite['owner']['kind'], (name: string) => string> = {
  module: (name) => `module-scope \`${name}\``,
  global: (name) => `the global \`${name}\``,
  'handler-object': (name) => `the exported handler object (\`${name}\`)`,
};

export const requestStateInGlobal: Rule = (context) => {
  const code = perRequestCode(context.program, context.bindings);
  const diagnostics: RuleDiagnostic[] = [];
  for (const write of stateWrites(context.program, context.bindings, context.sourceFile)) {
    const stored = storedRequestState(context.checker, code, write);
    if (!stored) continue;
    const where = WHERE[write.owner.kind](write.owner.name);
    const start = write.node.getStart(context.sourceFile);
    diagnostics.push({
      code: REQUEST_STATE_IN_GLOBAL,
      start,
      length: write.node.getEnd() - start,
      message: `${capitalize(stored)} is stored in ${where} while handling a request. ${WHY}`,
      category: ts.DiagnosticCategory.Error,
    });
  }
  return diagnostics;
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
