/**
 * Names a file reads from the global scope: identifiers in value position that no declaration in the program's own
 * code (its .ts/.js files) accounts for. In a service-worker script that is how bindings are read (`MY_KV.get(…)`).
 */
import ts from 'typescript';

export interface GlobalReference {
  node: ts.Identifier;
  /**
   * Nothing declares it, not even a .d.ts: at run time it exists only if the runtime puts it on the global scope
   * (a binding of a service-worker script), otherwise reading it throws a ReferenceError.
   */
  undeclared: boolean;
}

/** Global reads in `root` (default: the whole file), in source order. */
export function globalReferences(sourceFile: ts.SourceFile, checker: ts.TypeChecker, root: ts.Node = sourceFile): GlobalReference[] {
  const found: GlobalReference[] = [];
  const visit = (node: ts.Node): void => {
    if (skipsSubtree(node)) return;
    if (ts.isIdentifier(node) && isValueReference(node)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent) ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(node);
      if (!symbol) found.push({ node, undeclared: true });
      else if (!symbol.declarations?.some((d) => !d.getSourceFile().isDeclarationFile)) found.push({ node, undeclared: false });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** Subtrees with no value references: types, imports/exports, ambient declarations, labels. */
function skipsSubtree(node: ts.Node): boolean {
  return (
    ts.isTypeNode(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isImportDeclaration(node) ||
    ts.isExportDeclaration(node) ||
    ts.isImportEqualsDeclaration(node) ||
    ts.isMetaProperty(node) ||
    ((ts.isModuleDeclaration(node) || ts.isVariableStatement(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) &&
      !!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))
  );
}

/** An identifier that reads a variable (not a property name, a label or a name being declared elsewhere). */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) && (parent as ts.PropertyAccessExpression).name === node) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === node) return false;
  if (ts.isJsxAttribute(parent) || ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  return true;
}
