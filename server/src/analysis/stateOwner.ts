/**
 * Whose state an assignment target or a mutated object is: a module-scope binding of the worker's own code (a
 * top-level `let`/`const`/`var`, function or class of any project file, also through an import), a global
 * (`globalThis.x`, `self.x`, an undeclared name), the exported handler object itself (`this.x` in its `fetch`: the
 * runtime calls handlers as its methods), or neither (a local, a parameter, any other `this`). Resolved with the type
 * checker, so a local or parameter that shadows a module name is a local. A local `const` that merely names module
 * state (`const items = state.items`) is followed to it.
 */
import ts from 'typescript';
import { HANDLER_NAMES, isGlobalObjectName } from './handlerRoots.ts';
import { isModuleLevel, isProjectFile, resolvedSymbol, unwrapExpression } from './syntax.ts';

export type StateOwner =
  /** A module-scope binding; `declaration` is where it is declared (a variable, function or class). */
  | { kind: 'module'; name: string; symbol: ts.Symbol; declaration: ts.Declaration }
  /**
   * A global: `name` as written from the global object (`globalThis.cache`), or an undeclared name (`undeclared`:
   * only assigning it creates a global; anything else on it is a service-worker binding or a typo, not state).
   */
  | { kind: 'global'; name: string; undeclared?: boolean }
  /** The module-scope handler object (`export default { hits: 0, fetch() { this.hits++ } }`), through `this`. */
  | { kind: 'handler-object'; name: string };

/** The owner of the state a target expression (`count`, `cache.x`, `state.items[k]`, `globalThis.x`) lives in. */
export function stateOwner(checker: ts.TypeChecker, target: ts.Expression, depth = 0): StateOwner | undefined {
  const expression = unwrapExpression(target);
  if (ts.isIdentifier(expression)) return bindingOwner(checker, expression, depth);
  if (!ts.isPropertyAccessExpression(expression) && !ts.isElementAccessExpression(expression)) return undefined;
  const object = unwrapExpression(expression.expression);
  // `globalThis.x…`: the global is named by the first property.
  if (ts.isIdentifier(object) && isGlobalObjectName(checker, object)) {
    const property = ts.isPropertyAccessExpression(expression) ? expression.name.text : literalText(expression.argumentExpression);
    return { kind: 'global', name: `${object.text}.${property ?? '[…]'}` };
  }
  if (object.kind === ts.SyntaxKind.ThisKeyword) return isHandlerObjectThis(object) ? { kind: 'handler-object', name: excerptOf(expression) } : undefined;
  return stateOwner(checker, object, depth);
}

/** Whether an expression is the global object itself (`globalThis`, `self`, or a const naming it). */
export function isGlobalObject(checker: ts.TypeChecker, expression: ts.Expression): boolean {
  const value = unwrapExpression(expression);
  return ts.isIdentifier(value) && isGlobalObjectName(checker, value);
}

function bindingOwner(checker: ts.TypeChecker, identifier: ts.Identifier, depth: number): StateOwner | undefined {
  if (isGlobalObjectName(checker, identifier)) return { kind: 'global', name: identifier.text };
  const symbol = resolvedSymbol(checker, identifier);
  if (!symbol) return isUndeclaredName(identifier) ? { kind: 'global', name: identifier.text, undeclared: true } : undefined;
  const declaration = stateDeclaration(symbol);
  if (!declaration || !isProjectFile(declaration.getSourceFile())) return undefined;
  if (isModuleLevel(declaration)) return { kind: 'module', name: symbol.getName(), symbol, declaration };
  // `const items = state.items; items.push(x)` changes `state`.
  if (depth < 8 && ts.isVariableDeclaration(declaration) && declaration.initializer && isConst(declaration)) {
    const initializer = unwrapExpression(declaration.initializer);
    if (ts.isIdentifier(initializer) || ts.isPropertyAccessExpression(initializer) || ts.isElementAccessExpression(initializer)) {
      return stateOwner(checker, initializer, depth + 1);
    }
  }
  return undefined;
}

/** The declaration of a variable, function or class symbol (a destructured binding: its variable declaration). */
function stateDeclaration(symbol: ts.Symbol): ts.Declaration | undefined {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!declaration) return undefined;
  if (ts.isVariableDeclaration(declaration) || ts.isFunctionDeclaration(declaration) || ts.isClassDeclaration(declaration) || ts.isEnumDeclaration(declaration)) {
    return declaration;
  }
  if (ts.isBindingElement(declaration)) {
    // `const { a } = …` at the top level is module state; `function f({ a })` is a parameter.
    let node: ts.Node = declaration;
    while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node = node.parent;
    return ts.isVariableDeclaration(node) ? node : undefined;
  }
  return undefined;
}

function isConst(declaration: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

/** A name nothing declares (JavaScript's implicit global), as opposed to one the checker could not resolve for another reason. */
function isUndeclaredName(identifier: ts.Identifier): boolean {
  return identifier.text !== 'undefined' && identifier.text !== 'arguments';
}

/**
 * `this` in a method of a module-scope object literal with handler methods (`fetch`, `scheduled`…): the handler
 * object, which lives as long as the module.
 */
function isHandlerObjectThis(node: ts.Node): boolean {
  let owner: ts.Node | undefined = node.parent;
  while (owner && !(ts.isFunctionLike(owner) && !ts.isArrowFunction(owner)) && !ts.isClassLike(owner) && !ts.isSourceFile(owner)) owner = owner.parent;
  if (!owner || !(ts.isMethodDeclaration(owner) || ts.isFunctionExpression(owner) || ts.isAccessor(owner))) return false;
  const object = ts.isFunctionExpression(owner) ? (ts.isPropertyAssignment(owner.parent) ? owner.parent.parent : undefined) : owner.parent;
  if (!object || !ts.isObjectLiteralExpression(object) || !isModuleLevel(object)) return false;
  return object.properties.some((p) => p.name !== undefined && HANDLER_NAMES.has(p.name.getText()));
}

function excerptOf(expression: ts.Expression): string {
  const text = expression.getText().replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function literalText(expression: ts.Expression): string | undefined {
  return ts.isStringLiteralLike(expression) || ts.isNumericLiteral(expression) ? expression.text : undefined;
}
