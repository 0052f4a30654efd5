/**
 * What to call `waitUntil` on at a place in per-request code, when something in scope has it: a parameter whose type
 * has `waitUntil` (the module handler's `ctx`, a service-worker `event`, a helper's `ctx: ExecutionContext`), Hono's
 * `c.executionCtx`, the instance's own context in a Durable Object or WorkerEntrypoint (`this.ctx`), or — in
 * JavaScript, where handler parameters have no type — the module handler's third parameter and a listener's event.
 * The name must still mean that parameter where the promise is (not shadowed in between).
 */
import ts from 'typescript';
import type { PerRequestCode } from './perRequestCode.ts';
import { isFunctionWithBody } from './syntax.ts';

/** The expression to call `.waitUntil(…)` on at `node` (`ctx`, `event`, `c.executionCtx`, `this.ctx`), if any. */
export function waitUntilTarget(checker: ts.TypeChecker, code: PerRequestCode, node: ts.Node): string | undefined {
  let thisAvailable = true;
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) {
      if (!thisAvailable) return undefined;
      return instanceContext(checker, current);
    }
    if (!isFunctionWithBody(current)) continue;
    const root = code.roots.get(current);
    for (const [index, parameter] of current.parameters.entries()) {
      if (!ts.isIdentifier(parameter.name)) continue;
      const name = parameter.name.text;
      if (!stillNames(checker, node, name, parameter)) continue;
      const type = checker.getTypeAtLocation(parameter);
      if (hasMethod(checker, type, 'waitUntil')) return name;
      if (hasProperty(checker, type, 'executionCtx')) return `${name}.executionCtx`;
      if (type.flags & ts.TypeFlags.Any) {
        if (root?.kind === 'module' && index === 2) return name;
        if (root?.kind === 'listener' && index === 0) return name;
      }
    }
    // A `function` has its own `this`; an arrow function sees its class's.
    if (!ts.isArrowFunction(current)) thisAvailable &&= ts.isMethodDeclaration(current) || ts.isConstructorDeclaration(current) || ts.isAccessor(current);
  }
  return undefined;
}

/** `this.ctx` (or whichever instance property has `waitUntil`) in a class such as a Durable Object. */
function instanceContext(checker: ts.TypeChecker, declaration: ts.ClassLikeDeclaration): string | undefined {
  const symbol = declaration.name ? checker.getSymbolAtLocation(declaration.name) : checker.getTypeAtLocation(declaration).getSymbol();
  if (!symbol) return undefined;
  const instance = checker.getDeclaredTypeOfSymbol(symbol);
  const preferred = ['ctx', 'state', 'context'];
  const properties = checker.getPropertiesOfType(instance).sort((a, b) => rank(preferred, a.getName()) - rank(preferred, b.getName()));
  for (const property of properties) {
    if (hasMethod(checker, checker.getTypeOfSymbol(property), 'waitUntil')) return `this.${property.getName()}`;
  }
  return undefined;
}

function rank(preferred: string[], name: string): number {
  const index = preferred.indexOf(name);
  return index < 0 ? preferred.length : index;
}

function stillNames(checker: ts.TypeChecker, at: ts.Node, name: string, parameter: ts.ParameterDeclaration): boolean {
  const symbol = checker.resolveName(name, at, ts.SymbolFlags.Value, false);
  return symbol !== undefined && symbol.valueDeclaration === parameter;
}

function hasProperty(checker: ts.TypeChecker, type: ts.Type, name: string): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  return checker.getPropertyOfType(checker.getNonNullableType(type), name) !== undefined;
}

function hasMethod(checker: ts.TypeChecker, type: ts.Type, name: string): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  const property = checker.getPropertyOfType(checker.getNonNullableType(type), name);
  return !!property && checker.getTypeOfSymbol(property).getCallSignatures().length > 0;
}
