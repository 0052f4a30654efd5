/**
 * Which functions of the worker's own code an expression or a symbol stands for: `handle`, `api.list`,
 * `async (req) => …`, `[cors, handle]`, `handle.bind(x)`. Declarations in .d.ts files and node_modules are left out:
 * the analyses only follow the user's code.
 */
import ts from 'typescript';
import { isFunctionWithBody, isProjectFile, resolvedSymbol, unwrapExpression, type FunctionWithBody } from './syntax.ts';

/** The functions (with bodies, in the project) a symbol is declared as. */
export function functionsOfSymbol(symbol: ts.Symbol): FunctionWithBody[] {
  const result: FunctionWithBody[] = [];
  for (const declaration of symbol.declarations ?? []) {
    if (!isProjectFile(declaration.getSourceFile())) continue;
    if (isFunctionWithBody(declaration)) {
      result.push(declaration);
      continue;
    }
    const initializer =
      ts.isVariableDeclaration(declaration) || ts.isPropertyAssignment(declaration) || ts.isPropertyDeclaration(declaration) ? declaration.initializer : undefined;
    const value = initializer && unwrapExpression(initializer);
    if (value && isFunctionWithBody(value)) result.push(value);
  }
  return result;
}

/** The functions an expression evaluates to, when they can be told from the code. */
export function functionsOfExpression(checker: ts.TypeChecker, expression: ts.Expression): FunctionWithBody[] {
  const value = unwrapExpression(expression);
  if (isFunctionWithBody(value)) return [value];
  if (ts.isArrayLiteralExpression(value)) return value.elements.flatMap((element) => functionsOfExpression(checker, element));
  if (ts.isIdentifier(value) || ts.isPropertyAccessExpression(value)) {
    const symbol = resolvedSymbol(checker, ts.isPropertyAccessExpression(value) ? value.name : value);
    return symbol ? functionsOfSymbol(symbol) : [];
  }
  // `handle.bind(thisArg)` is still `handle`.
  if (ts.isCallExpression(value) && ts.isPropertyAccessExpression(value.expression) && value.expression.name.text === 'bind') {
    return functionsOfExpression(checker, value.expression.expression);
  }
  return [];
}

/** The functions an object literal member holds: `fetch() {}`, `fetch: handle`, `fetch`, `before: [a, b]`. */
export function propertyFunctions(checker: ts.TypeChecker, property: ts.ObjectLiteralElementLike): FunctionWithBody[] {
  if (isFunctionWithBody(property)) return [property];
  if (ts.isPropertyAssignment(property)) return functionsOfExpression(checker, property.initializer);
  if (ts.isShorthandPropertyAssignment(property)) {
    const symbol = checker.getShorthandAssignmentValueSymbol(property);
    return symbol ? functionsOfSymbol(symbol) : [];
  }
  return [];
}

/**
 * Every function a table of functions holds, for a lookup by a computed key (`routes[url.pathname](request)`): the
 * object literal a variable is initialised with.
 */
export function functionsOfTable(checker: ts.TypeChecker, table: ts.Expression): FunctionWithBody[] {
  const value = unwrapExpression(table);
  if (!ts.isIdentifier(value)) return [];
  const declaration = resolvedSymbol(checker, value)?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !isProjectFile(declaration.getSourceFile())) return [];
  const initializer = unwrapExpression(declaration.initializer);
  if (!ts.isObjectLiteralExpression(initializer)) return [];
  return initializer.properties.flatMap((property) => propertyFunctions(checker, property));
}
