/**
 * The quick fix "Move `x` into the handler": a module-scope `let`/`const`/`var` used only inside one handler function
 * becomes a local of that handler, so each request gets its own. Offered only where the move keeps every name meaning
 * the same thing:
 *  - one declarator, a top-level statement of this file, not exported or declared;
 *  - every reference to it is inside the same handler root (perRequestCode.ts), whose body is a block;
 *  - at the top of that body its own name and every name its initializer uses still resolve to the same declarations
 *    (nothing shadows them), and the initializer has no `this`, `arguments`, `await` or `yield`.
 */
import ts from 'typescript';
import type { PerRequestCode } from '../analysis/perRequestCode.ts';
import type { StateOwner } from '../analysis/stateOwner.ts';
import { isProjectFile, resolvedSymbol } from '../analysis/syntax.ts';
import type { QuickFix } from './rule.ts';

export function moveIntoHandlerFix(program: ts.Program, code: PerRequestCode, sourceFile: ts.SourceFile, owner: StateOwner): QuickFix | undefined {
  if (owner.kind !== 'module') return undefined;
  const checker = program.getTypeChecker();
  const declaration = owner.declaration;
  if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name) || declaration.getSourceFile() !== sourceFile) return undefined;
  const name = declaration.name;
  const list = declaration.parent;
  if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1) return undefined;
  const statement = list.parent;
  if (!ts.isVariableStatement(statement) || statement.parent !== sourceFile) return undefined;
  if (statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword)) return undefined;

  // A script's top-level names are globals other scripts may use too.
  const files = ts.isExternalModule(sourceFile) ? [sourceFile] : program.getSourceFiles().filter(isProjectFile);
  const references = files.flatMap((file) => referencesTo(checker, file, owner.symbol, name));
  const handlers = new Set(references.map((reference) => code.enclosingRoots(reference)[0]?.node));
  const [handler] = handlers;
  if (references.length === 0 || handlers.size !== 1 || !handler || !ts.isFunctionLike(handler) || !handler.body || !ts.isBlock(handler.body)) return undefined;

  const body = handler.body;
  const insertionPoint = body.statements[0] ?? body;
  if (!resolvesTheSame(checker, name, owner.symbol, insertionPoint)) return undefined;
  if (declaration.initializer && !movable(checker, declaration.initializer, insertionPoint)) return undefined;

  const text = sourceFile.text;
  const indent = body.statements[0] ? indentationAt(text, body.statements[0].getStart(sourceFile)) : `${indentationAt(text, handler.getStart(sourceFile))}  `;
  return {
    title: `Move \`${name.text}\` into the handler`,
    edits: [
      { file: sourceFile.fileName, start: body.getStart(sourceFile) + 1, end: body.getStart(sourceFile) + 1, newText: `\n${indent}${statement.getText(sourceFile)}` },
      { file: sourceFile.fileName, ...wholeLines(text, statement.getStart(sourceFile), statement.getEnd()), newText: '' },
    ],
  };
}

function referencesTo(checker: ts.TypeChecker, file: ts.SourceFile, symbol: ts.Symbol, name: ts.Identifier): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== name && node.text === name.text && resolvedSymbol(checker, node) === symbol) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function resolvesTheSame(checker: ts.TypeChecker, identifier: ts.Identifier, symbol: ts.Symbol | undefined, at: ts.Node): boolean {
  return checker.resolveName(identifier.text, at, ts.SymbolFlags.Value, false) === symbol;
}

/** The initializer means the same at the top of the handler: no name it uses is shadowed there, no `this`/`await`. */
function movable(checker: ts.TypeChecker, initializer: ts.Expression, at: ts.Node): boolean {
  let ok = true;
  const visit = (node: ts.Node): void => {
    if (!ok) return;
    if (node.kind === ts.SyntaxKind.ThisKeyword || ts.isAwaitExpression(node) || ts.isYieldExpression(node)) ok = false;
    else if (ts.isIdentifier(node) && !isPropertyName(node)) {
      if (node.text === 'arguments') ok = false;
      const symbol = checker.getSymbolAtLocation(node);
      if (symbol && !isDeclaredWithin(symbol, initializer) && !resolvesTheSame(checker, node, symbol, at)) ok = false;
    }
    if (!ts.isTypeNode(node)) ts.forEachChild(node, visit);
  };
  visit(initializer);
  return ok;
}

function isDeclaredWithin(symbol: ts.Symbol, container: ts.Node): boolean {
  return (symbol.declarations ?? []).some((d) => d.pos >= container.pos && d.end <= container.end && d.getSourceFile() === container.getSourceFile());
}

/** `x` in `o.x` or `{ x: 1 }`: a property, not a name in scope. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (ts.isPropertyAccessExpression(parent) && parent.name === node) || ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent)) && parent.name === node);
}

function indentationAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The statement's range, widened to whole lines when nothing else shares them. */
function wholeLines(text: string, start: number, end: number): { start: number; end: number } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd < 0 ? text.length : lineEnd);
  if (before.trim() !== '' || after.trim() !== '') return { start, end };
  return { start: lineStart, end: lineEnd < 0 ? text.length : lineEnd + 1 };
}
