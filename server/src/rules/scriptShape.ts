/**
 * Which of the two Workers formats a file is written in, and where its handlers are: the module format's
 * `export default { fetch(request, env, ctx) {…} }`, or the service-worker format's top-level
 * `addEventListener('fetch', (event) => …)`. Shared by the rules that care (unknown-binding, service-worker-syntax).
 */
import ts from 'typescript';
import { findDefaultExport } from './handlerType.ts';

/** Handlers Workers calls as `(payload, env, ctx)`: env is always the second parameter. */
export const HANDLER_NAMES = new Set(['fetch', 'scheduled', 'queue', 'email', 'tail', 'trace', 'tailStream', 'test']);

export interface ModuleHandler {
  name: string;
  fn: ts.FunctionLikeDeclaration;
}

/** The handler functions written in the default export's object literal (methods, arrows, function expressions). */
export function moduleHandlers(sourceFile: ts.SourceFile, checker: ts.TypeChecker): ModuleHandler[] {
  const exported = findDefaultExport(sourceFile, checker);
  if (!exported?.objectNode) return [];
  const handlers: ModuleHandler[] = [];
  for (const property of exported.objectNode.properties) {
    const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
    if (!name || !HANDLER_NAMES.has(name)) continue;
    let fn: ts.FunctionLikeDeclaration | undefined;
    if (ts.isMethodDeclaration(property)) fn = property;
    else if (ts.isPropertyAssignment(property)) fn = functionOf(property.initializer, sourceFile, checker);
    else if (ts.isShorthandPropertyAssignment(property)) fn = functionOf(property.name, sourceFile, checker);
    if (fn) handlers.push({ name, fn });
  }
  return handlers;
}

/** A function written here, or named here and declared in this file (`fetch: handleFetch`, `{ fetch }`). */
function functionOf(expression: ts.Expression, sourceFile: ts.SourceFile, checker: ts.TypeChecker): ts.FunctionLikeDeclaration | undefined {
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return expression;
  if (!ts.isIdentifier(expression)) return undefined;
  const symbol = ts.isShorthandPropertyAssignment(expression.parent) ? checker.getShorthandAssignmentValueSymbol(expression.parent) : checker.getSymbolAtLocation(expression);
  const declaration = symbol?.valueDeclaration;
  if (!declaration || declaration.getSourceFile() !== sourceFile) return undefined;
  if (ts.isFunctionDeclaration(declaration)) return declaration;
  const init = ts.isVariableDeclaration(declaration) ? declaration.initializer : undefined;
  return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined;
}

export function hasDefaultExport(sourceFile: ts.SourceFile): boolean {
  return sourceFile.statements.some(
    (s) =>
      (ts.isExportAssignment(s) && !s.isExportEquals) ||
      (ts.isExportDeclaration(s) && !!s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.some((e) => e.name.text === 'default')) ||
      ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) &&
        !!s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
        !!s.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)),
  );
}

export interface Listener {
  /** The whole top-level statement. */
  statement: ts.ExpressionStatement;
  call: ts.CallExpression;
  /** `addEventListener` (or `self.addEventListener`…), where diagnostics go. */
  callee: ts.Expression;
  /** The event type, e.g. `fetch`. */
  type: string;
  /** The listener argument. */
  handler: ts.Expression | undefined;
}

/** Top-level `addEventListener('<type>', handler)` statements, also through `self.` or `globalThis.`. */
export function topLevelListeners(sourceFile: ts.SourceFile): Listener[] {
  const listeners: Listener[] = [];
  for (const statement of sourceFile.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression)) continue;
    const call = statement.expression;
    if (!isAddEventListener(call.expression)) continue;
    const [type, handler] = call.arguments;
    if (!type || !ts.isStringLiteralLike(type)) continue;
    listeners.push({ statement, call, callee: call.expression, type: type.text, handler });
  }
  return listeners;
}

function isAddEventListener(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'addEventListener';
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === 'addEventListener' &&
    ts.isIdentifier(callee.expression) &&
    (callee.expression.text === 'self' || callee.expression.text === 'globalThis')
  );
}

/** A service-worker script: handlers registered with addEventListener and no default export. */
export function isServiceWorkerScript(sourceFile: ts.SourceFile): boolean {
  return !hasDefaultExport(sourceFile) && topLevelListeners(sourceFile).some((l) => l.type === 'fetch' || l.type === 'scheduled');
}
