/**
 * Small syntax helpers the per-request analyses share: what counts as the user's own code, what is a function with a
 * body, and the expression under TypeScript-only wrappers.
 */
import ts from 'typescript';

/** A function the analyses can look into: it has a body (not an overload, signature or ambient declaration). */
export type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.ConciseBody };

export function isFunctionWithBody(node: ts.Node): node is FunctionWithBody {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** A file of the worker itself: not a declaration file, not a dependency in node_modules. */
export function isProjectFile(sourceFile: ts.SourceFile): boolean {
  return !sourceFile.isDeclarationFile && !sourceFile.fileName.split(/[\\/]/).includes('node_modules');
}

/** The expression under parentheses, `!`, `as`, `satisfies` and `<T>` casts: they change types, not values. */
export function unwrapExpression(expression: ts.Expression): ts.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(expression) ||
      ts.isNonNullExpression(expression) ||
      ts.isAsExpression(expression) ||
      ts.isSatisfiesExpression(expression) ||
      ts.isTypeAssertionExpression(expression)
    ) {
      expression = expression.expression;
    } else {
      return expression;
    }
  }
}

/** The node, or the node it stands in for when wrapped (the outermost parentheses/cast around it). */
export function outermostWrapper(node: ts.Expression): ts.Expression {
  let current: ts.Expression = node;
  while (
    ts.isParenthesizedExpression(current.parent) ||
    ts.isNonNullExpression(current.parent) ||
    ts.isAsExpression(current.parent) ||
    ts.isSatisfiesExpression(current.parent) ||
    ts.isTypeAssertionExpression(current.parent)
  ) {
    current = current.parent;
  }
  return current;
}

/** Whether the node sits at a module's top level: no function (or class static block) between it and the file. */
export function isModuleLevel(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current) || ts.isClassStaticBlockDeclaration(current)) return false;
    if (ts.isSourceFile(current)) return true;
  }
  return false;
}

/** The symbol an identifier or property name refers to, through import aliases to the declaration. */
export function resolvedSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  let symbol = ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(node);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      symbol = checker.getAliasedSymbol(symbol);
    } catch {
      return undefined;
    }
  }
  return symbol;
}
