/**
 * Rule `floating-promise` (warning): in code that runs per request (a handler or anything it calls,
 * analysis/perRequestCode.ts), an expression statement whose value is a promise — neither awaited, returned, assigned
 * nor handed to `waitUntil`. `void promise` is the explicit opt-out. The Workers runtime may stop a request's pending
 * work once its response is sent, so such work can be cut short and its errors go unseen. Durable Object storage writes
 * (`this.ctx.storage.put(…)`) and `blockConcurrencyWhile` are not flagged: the platform waits for them by design.
 *
 * Quick fix: wrap it in `ctx.waitUntil(…)`, named as in scope (`ctx`, `event`, `c.executionCtx`, `this.ctx`;
 * analysis/waitUntilTarget.ts), only when something with `waitUntil` is in scope.
 */
import ts from 'typescript';
import { perRequestCode } from '../analysis/perRequestCode.ts';
import { unwrapExpression } from '../analysis/syntax.ts';
import { waitUntilTarget } from '../analysis/waitUntilTarget.ts';
import type { Rule, RuleDiagnostic } from './rule.ts';

export const FLOATING_PROMISE = 'floating-promise';

/**
 * Durable Object calls whose promise need not be awaited: storage writes (the object's output gate holds the response
 * until they are durable) and `blockConcurrencyWhile` (it holds incoming events itself; documented un-awaited in a
 * constructor). `*`: every method.
 */
const DURABLE_OBJECT_UNAWAITED: Record<string, ReadonlySet<string>> = {
  DurableObjectStorage: new Set(['*']),
  DurableObjectTransaction: new Set(['*']),
  DurableObjectState: new Set(['blockConcurrencyWhile']),
};

const WHY = 'In production the runtime may stop a request’s pending work once the response is sent, so this can be cut short and its errors go unseen.';

export const floatingPromise: Rule = (context) => {
  const { checker, sourceFile } = context;
  const code = perRequestCode(context.program, context.bindings);
  const diagnostics: RuleDiagnostic[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node) && isFloating(checker, node.expression) && code.isPerRequest(node)) {
      const expression = node.expression;
      const context = waitUntilTarget(checker, code, node);
      const named = context ?? (code.enclosingRoots(node).some((r) => r.kind === 'listener') ? 'event' : 'ctx');
      // `cond && fetch(x)` or `client?.send()` is not always a promise: waitUntil would not accept it as it is.
      const target = context && isThenable(checker, checker.getTypeAtLocation(expression), 'every') ? context : undefined;
      const start = expression.getStart(sourceFile);
      diagnostics.push({
        code: FLOATING_PROMISE,
        start,
        length: expression.getEnd() - start,
        message: `This promise is neither awaited, returned nor passed to ${named}.waitUntil(). ${WHY}`,
        category: ts.DiagnosticCategory.Warning,
        ...(target
          ? {
              fixes: [
                {
                  title: `Wrap in ${target}.waitUntil(…)`,
                  edits: [{ file: sourceFile.fileName, start, end: expression.getEnd(), newText: `${target}.waitUntil(${expression.getText(sourceFile)})` }],
                },
              ],
            }
          : {}),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return diagnostics;
};

/** A promise-valued statement expression that is not assigned, awaited or explicitly discarded with `void`. */
function isFloating(checker: ts.TypeChecker, statementExpression: ts.Expression): boolean {
  const expression = unwrapExpression(statementExpression);
  if (ts.isVoidExpression(expression) || ts.isAwaitExpression(expression)) return false;
  if (ts.isBinaryExpression(expression) && expression.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && expression.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
    return false;
  }
  if (isUnawaitedByDesign(checker, expression)) return false;
  return isThenable(checker, checker.getTypeAtLocation(expression));
}

/** `this.ctx.storage.put(…)`, `ctx.blockConcurrencyWhile(…)`: see DURABLE_OBJECT_UNAWAITED. */
function isUnawaitedByDesign(checker: ts.TypeChecker, expression: ts.Expression): boolean {
  if (!ts.isCallExpression(expression) || !ts.isPropertyAccessExpression(expression.expression)) return false;
  const name = expression.expression.name.text;
  const method = checker.getSymbolAtLocation(expression.expression.name);
  return !!method?.declarations?.some((d) => {
    const owner = d.parent;
    if (!(ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)) || !owner.name || !d.getSourceFile().isDeclarationFile) return false;
    const methods = DURABLE_OBJECT_UNAWAITED[owner.name.text];
    return !!methods && (methods.has('*') || methods.has(name));
  });
}

/** Whether some (or every) constituent of the type has a callable `then`. */
function isThenable(checker: ts.TypeChecker, type: ts.Type, constituents: 'some' | 'every' = 'some'): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  return (type.isUnion() ? type.types : [type])[constituents]((part) => {
    const then = checker.getPropertyOfType(part, 'then');
    return !!then && checker.getTypeOfSymbol(then).getCallSignatures().length > 0;
  });
}
