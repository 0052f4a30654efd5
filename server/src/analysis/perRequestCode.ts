/**
 * Which code can run while a request is handled: the handler roots (handlerRoots.ts) and everything they reach in
 * the worker's own files — functions they call or merely reference (callbacks given to `.then`, `setTimeout`,
 * `waitUntil`, `map`…), methods resolved through the type checker (`this.helper()`, `api.list()`), functions imported
 * from other files, constructors and instance field initializers of classes they instantiate, every function of an
 * object literal looked up by a computed key (`routes[path](request)`), and every function nested in reached code.
 * What is not reached runs only at load (top-level initialisation and what it calls).
 *
 * The unit of "runs" is a function with a body, or an instance field initializer (it runs when the class is
 * instantiated). One analysis per program and bindings, shared by the rules (a WeakMap keyed by the program).
 */
import ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';
import { functionsOfSymbol, functionsOfTable } from './functionValues.ts';
import { findHandlerRoots, type HandlerRoot } from './handlerRoots.ts';
import { isFunctionWithBody, isProjectFile, resolvedSymbol, unwrapExpression, type FunctionWithBody } from './syntax.ts';

type Unit = FunctionWithBody | ts.PropertyDeclaration;

export class PerRequestCode {
  readonly roots: ReadonlyMap<ts.Node, HandlerRoot>;
  readonly #units = new Set<ts.Node>();
  readonly #checker: ts.TypeChecker;
  readonly #functionsBySymbol = new Map<ts.Symbol, FunctionWithBody[]>();

  /** Names that can refer to a function or class of the project: only identifiers spelled so are resolved. */
  readonly #callableNames: ReadonlySet<string>;

  constructor(program: ts.Program, bindings: readonly BindingDeclaration[] | undefined) {
    this.#checker = program.getTypeChecker();
    this.roots = findHandlerRoots(program, bindings);
    this.#callableNames = callableNames(program);
    this.#reach([...this.roots.keys()] as Unit[]);
  }

  /** Whether the code at `node` may run while a request is handled. */
  isPerRequest(node: ts.Node): boolean {
    const unit = enclosingUnit(node);
    return unit !== undefined && this.#units.has(unit);
  }

  /** The handler roots lexically around `node`, innermost first. */
  enclosingRoots(node: ts.Node): HandlerRoot[] {
    const result: HandlerRoot[] = [];
    for (let current = node.parent; current; current = current.parent) {
      const root = this.roots.get(current);
      if (root) result.push(root);
    }
    return result;
  }

  #reach(start: Unit[]): void {
    const work = [...start];
    for (let unit = work.pop(); unit; unit = work.pop()) {
      if (this.#units.has(unit)) continue;
      this.#units.add(unit);
      const visit = (node: ts.Node): void => {
        if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
        if (node !== unit && isFunctionWithBody(node)) {
          // Nested functions (callbacks, closures) run per request too; they are units of their own.
          work.push(node);
          return;
        }
        if (ts.isIdentifier(node) && this.#callableNames.has(node.text) && !isDeclarationName(node)) {
          const symbol = resolvedSymbol(this.#checker, node);
          if (symbol) {
            work.push(...this.#functionsOf(symbol));
            if (isInstantiated(node) && symbol.flags & ts.SymbolFlags.Class) work.push(...constructionUnitsOfSymbol(this.#checker, symbol));
          }
        } else if (ts.isElementAccessExpression(node) && !ts.isStringLiteralLike(node.argumentExpression) && !ts.isNumericLiteral(node.argumentExpression)) {
          // `routes[path](request)`: any function of the table may run.
          work.push(...functionsOfTable(this.#checker, node.expression));
        } else if (node.kind === ts.SyntaxKind.SuperKeyword && ts.isCallExpression(node.parent)) {
          const enclosingClass = ts.findAncestor(node, ts.isClassLike);
          const base = enclosingClass && baseClassOf(this.#checker, enclosingClass);
          if (base) work.push(...constructionUnits(this.#checker, base));
        }
        ts.forEachChild(node, visit);
      };
      ts.forEachChild(unit, visit);
    }
  }

  #functionsOf(symbol: ts.Symbol): FunctionWithBody[] {
    let functions = this.#functionsBySymbol.get(symbol);
    if (!functions) {
      functions = functionsOfSymbol(symbol);
      this.#functionsBySymbol.set(symbol, functions);
    }
    return functions;
  }
}

const cache = new WeakMap<ts.Program, { bindings: readonly BindingDeclaration[] | undefined; code: PerRequestCode }>();

/** The per-request analysis of a program (computed once per program and bindings). */
export function perRequestCode(program: ts.Program, bindings: readonly BindingDeclaration[] | undefined): PerRequestCode {
  const cached = cache.get(program);
  if (cached && cached.bindings === bindings) return cached.code;
  const code = new PerRequestCode(program, bindings);
  cache.set(program, { bindings, code });
  return code;
}

/** The function (or instance field initializer) whose code `node` is part of; undefined at load time (top level). */
export function enclosingUnit(node: ts.Node): Unit | undefined {
  for (let current = node.parent, child: ts.Node = node; current; child = current, current = current.parent) {
    if (isFunctionWithBody(current)) return current;
    if (ts.isPropertyDeclaration(current) && current.initializer === child) {
      const isStatic = ts.getCombinedModifierFlags(current) & ts.ModifierFlags.Static;
      return isStatic ? undefined : current;
    }
    if (ts.isClassStaticBlockDeclaration(current) || ts.isSourceFile(current)) return undefined;
  }
  return undefined;
}

/**
 * Every name under which the project's code can reach one of its functions or classes: their declared names (functions,
 * methods, accessors, classes, variables and properties holding a function) and the local names of imports (which
 * may rename them). Resolving only identifiers with these names keeps the walk cheap on big files.
 */
function callableNames(program: ts.Program): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    const name = (node as ts.Node & { name?: ts.Node }).name;
    const initializer = (node as ts.Node & { initializer?: ts.Expression }).initializer;
    const holdsFunction = initializer !== undefined && isFunctionWithBody(unwrapExpression(initializer));
    if (
      name &&
      (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) &&
      (isFunctionWithBody(node) ||
        ts.isClassLike(node) ||
        ts.isImportSpecifier(node) ||
        ts.isImportClause(node) ||
        ts.isNamespaceImport(node) ||
        ts.isImportEqualsDeclaration(node) ||
        ((ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node)) && holdsFunction))
    ) {
      names.add(name.text);
    }
    ts.forEachChild(node, visit);
  };
  for (const sourceFile of program.getSourceFiles()) if (isProjectFile(sourceFile)) visit(sourceFile);
  return names;
}

/** The name being declared (`x` in `const x`, `f` in `function f`), not a use of one. */
function isDeclarationName(node: ts.Identifier): boolean {
  const parent = node.parent as ts.Node & { name?: ts.Node };
  if (parent.name !== node) return false;
  return !ts.isPropertyAccessExpression(parent) && !ts.isShorthandPropertyAssignment(parent) && !ts.isQualifiedName(parent);
}

/** `new X(…)`, `new ns.X(…)`. */
function isInstantiated(node: ts.Identifier): boolean {
  const expression = ts.isPropertyAccessExpression(node.parent) && node.parent.name === node ? node.parent : node;
  return ts.isNewExpression(expression.parent) && unwrapExpression(expression.parent.expression) === expression;
}

function constructionUnitsOfSymbol(checker: ts.TypeChecker, symbol: ts.Symbol): Unit[] {
  return (symbol.declarations ?? []).filter((d): d is ts.ClassLikeDeclaration => ts.isClassLike(d) && isProjectFile(d.getSourceFile())).flatMap((d) => constructionUnits(checker, d));
}

/** What runs when a class of the project is instantiated: its constructor, its instance fields, and its bases'. */
function constructionUnits(checker: ts.TypeChecker, declaration: ts.ClassLikeDeclaration, seen = new Set<ts.Node>()): Unit[] {
  if (seen.has(declaration)) return [];
  seen.add(declaration);
  const units: Unit[] = [];
  for (const member of declaration.members) {
    if (ts.isConstructorDeclaration(member) && member.body) units.push(member as FunctionWithBody);
    else if (ts.isPropertyDeclaration(member) && member.initializer && !(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static)) units.push(member);
  }
  const base = baseClassOf(checker, declaration);
  return base ? [...units, ...constructionUnits(checker, base, seen)] : units;
}

/** The class (in the project) a class extends. */
function baseClassOf(checker: ts.TypeChecker, declaration: ts.ClassLikeDeclaration): ts.ClassLikeDeclaration | undefined {
  const heritage = declaration.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!heritage) return undefined;
  const expression = unwrapExpression(heritage.expression);
  const symbol = resolvedSymbol(checker, ts.isPropertyAccessExpression(expression) ? expression.name : expression);
  return symbol?.declarations?.find((d): d is ts.ClassLikeDeclaration => ts.isClassLike(d) && isProjectFile(d.getSourceFile()));
}
