/**
 * Where per-request code starts: the functions the Workers runtime (or a router it hands the request to) calls for
 * each request or event. Found in every file of the worker's own code:
 *  - `module`: the properties of the default-exported handler object (`export default { fetch, scheduled, … }`,
 *    also `export default handler`, `export { handler as default }`, with or without `satisfies`);
 *  - `listener`: service-worker syntax, `addEventListener('fetch', listener)` (also on `self` / `globalThis`);
 *  - `route`: a callback given to a router, i.e. to a call on an object that has a `fetch` method (Hono's
 *    `app.get('/', c => …)`, `app.use(…)`, itty-router's `router.get(…)`), or to a call that returns one
 *    (`Router({ before: [withAuth] })`); when the router's type is unknown (`any`), a route method (`get`, `post`,
 *    `all`, `use`…) on a value a `…Router()` factory made;
 *  - `entrypoint`: the methods, constructor and instance fields of a class the runtime instantiates: one extending
 *    DurableObject / WorkerEntrypoint / WorkflowEntrypoint (directly or through the user's own base class), a class
 *    the config binds as a Durable Object, or a class with a `fetch`/`alarm`/`webSocketMessage` method exported by a
 *    module with a default export (a Durable Object written without the base class, exported by the entry).
 */
import ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';
import { functionsOfExpression, propertyFunctions } from './functionValues.ts';
import { isFunctionWithBody, isProjectFile, resolvedSymbol, unwrapExpression, type FunctionWithBody } from './syntax.ts';

export type HandlerKind = 'module' | 'listener' | 'route' | 'entrypoint';

/** A function (or an instance field initializer) the runtime or a router calls per request. */
export interface HandlerRoot {
  node: FunctionWithBody | ts.PropertyDeclaration;
  kind: HandlerKind;
}

/** Property names of a module worker's handler object. */
export const HANDLER_NAMES = new Set(['fetch', 'scheduled', 'queue', 'email', 'tail', 'trace', 'test', 'tailStream', 'connect']);
/** Base classes (from `cloudflare:workers`) whose subclasses the runtime instantiates. */
const ENTRYPOINT_BASES = new Set(['DurableObject', 'WorkerEntrypoint', 'WorkflowEntrypoint']);
/** Methods that make an exported class a Durable Object or entrypoint even without a base class. */
const ENTRYPOINT_METHODS = new Set(['fetch', 'alarm', 'webSocketMessage', 'webSocketClose', 'webSocketError']);
/** Calls on a router that run its handlers now instead of registering callbacks. */
const ROUTER_DISPATCH = new Set(['fetch', 'request', 'handle']);
/** Route registration methods, for routers whose type is unknown. */
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all', 'use', 'on', 'route']);

export function findHandlerRoots(program: ts.Program, bindings: readonly BindingDeclaration[] | undefined): Map<ts.Node, HandlerRoot> {
  const checker = program.getTypeChecker();
  const roots = new Map<ts.Node, HandlerRoot>();
  const add = (node: HandlerRoot['node'], kind: HandlerKind) => {
    if (!roots.has(node)) roots.set(node, { node, kind });
  };
  // Durable Object classes of this worker (not those bound from another worker, `script_name`).
  const durableObjectClasses = new Set((bindings ?? []).flatMap((b) => (b.kind === 'durableObject' && b.className && !b.scriptName ? [b.className] : [])));
  const projectFiles = program.getSourceFiles().filter(isProjectFile);
  const exportedByEntries = new Set(projectFiles.flatMap((sourceFile) => classesExportedByEntry(checker, sourceFile)));

  for (const sourceFile of projectFiles) {
    const handlerObject = defaultExportedValue(checker, sourceFile);
    if (handlerObject && ts.isObjectLiteralExpression(handlerObject) && handlerObject.properties.some((p) => p.name && HANDLER_NAMES.has(p.name.getText()))) {
      for (const property of handlerObject.properties) for (const fn of propertyFunctions(checker, property)) add(fn, 'module');
    }
    const visit = (node: ts.Node): void => {
      if (ts.isClassLike(node) && isEntrypointClass(checker, node, exportedByEntries, durableObjectClasses)) {
        for (const member of node.members) {
          const isStatic = ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Static;
          if (isStatic) continue;
          if (isFunctionWithBody(member)) add(member, 'entrypoint');
          else if (ts.isPropertyDeclaration(member) && member.initializer) {
            const value = unwrapExpression(member.initializer);
            add(isFunctionWithBody(value) ? value : member, 'entrypoint');
          }
        }
      }
      if (ts.isCallExpression(node) && isEventListenerRegistration(checker, node)) {
        for (const fn of functionsOfExpression(checker, node.arguments[1]!)) add(fn, 'listener');
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        // The functions first: asking the checker whether the callee is a router costs more, and most calls pass none.
        const callbacks = (node.arguments ?? []).flatMap((argument) => {
          const value = unwrapExpression(argument);
          return ts.isObjectLiteralExpression(value) ? value.properties.flatMap((p) => propertyFunctions(checker, p)) : functionsOfExpression(checker, argument);
        });
        if (callbacks.length > 0 && isRouterCall(checker, node)) for (const fn of callbacks) add(fn, 'route');
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return roots;
}

/** The value a module exports as default (through `export default x`, `export { x as default }`, re-exports). */
function defaultExportedValue(checker: ts.TypeChecker, sourceFile: ts.SourceFile): ts.Node | undefined {
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) return undefined;
  let symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.escapedName === 'default');
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  if (!declaration) return undefined;
  if (ts.isExportAssignment(declaration)) return unwrapExpression(declaration.expression);
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) return unwrapExpression(declaration.initializer);
  return declaration;
}

function isEntrypointClass(checker: ts.TypeChecker, node: ts.ClassLikeDeclaration, exportedByEntries: ReadonlySet<ts.Node>, durableObjectClasses: ReadonlySet<string>): boolean {
  if (extendsWorkersBase(checker, node, new Set())) return true;
  if (node.name && durableObjectClasses.has(node.name.text)) return true;
  return exportedByEntries.has(node) && node.members.some((m) => ts.isMethodDeclaration(m) && m.name && ENTRYPOINT_METHODS.has(m.name.getText()));
}

/**
 * The classes a module that looks like a worker's entry (it has a default export) exports, itself or re-exported:
 * where the runtime finds Durable Object classes. A class with a `fetch` method elsewhere (an API client) is not one.
 */
function classesExportedByEntry(checker: ts.TypeChecker, sourceFile: ts.SourceFile): ts.ClassLikeDeclaration[] {
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) return [];
  const exports = checker.getExportsOfModule(moduleSymbol);
  if (!exports.some((s) => s.escapedName === 'default')) return [];
  return exports.flatMap((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target.declarations ?? []).filter((d): d is ts.ClassLikeDeclaration => ts.isClassLike(d) && isProjectFile(d.getSourceFile()));
  });
}

/** `extends DurableObject` (from the Workers types), directly or through classes of the user's own code. */
function extendsWorkersBase(checker: ts.TypeChecker, node: ts.ClassLikeDeclaration, seen: Set<ts.Node>): boolean {
  if (seen.has(node)) return false;
  seen.add(node);
  const heritage = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!heritage) return false;
  const base = unwrapExpression(heritage.expression);
  const symbol = resolvedSymbol(checker, ts.isPropertyAccessExpression(base) ? base.name : base);
  if (!symbol) return false;
  for (const declaration of symbol.declarations ?? []) {
    if (declaration.getSourceFile().isDeclarationFile) {
      if (ENTRYPOINT_BASES.has(symbol.getName())) return true;
    } else if (ts.isClassLike(declaration) && extendsWorkersBase(checker, declaration, seen)) {
      return true;
    }
  }
  return false;
}

/** `addEventListener('fetch', listener)` on the global scope (the Workers types' declaration, not a function of the user's). */
function isEventListenerRegistration(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  if (call.arguments.length < 2) return false;
  const callee = unwrapExpression(call.expression);
  let name: ts.MemberName;
  if (ts.isIdentifier(callee)) name = callee;
  else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && isGlobalObjectName(checker, callee.expression)) name = callee.name;
  else return false;
  if (name.text !== 'addEventListener') return false;
  const symbol = checker.getSymbolAtLocation(name);
  return !symbol?.declarations?.some((d) => isProjectFile(d.getSourceFile()));
}

/** `globalThis` or `self`, not shadowed by a declaration of the user's. */
export function isGlobalObjectName(checker: ts.TypeChecker, identifier: ts.Identifier): boolean {
  if (identifier.text !== 'globalThis' && identifier.text !== 'self') return false;
  const symbol = checker.getSymbolAtLocation(identifier);
  return !symbol?.declarations?.some((d) => isProjectFile(d.getSourceFile()));
}

/** A call that registers callbacks on a router: a method of an object with `fetch`, or a call returning one. */
function isRouterCall(checker: ts.TypeChecker, call: ts.CallExpression | ts.NewExpression): boolean {
  const callee = unwrapExpression(call.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    // A method: registering on a router (`app.get(…)`, `router.all(…)`, chained too).
    if (ROUTER_DISPATCH.has(callee.name.text)) return false;
    const receiverType = checker.getTypeAtLocation(callee.expression);
    if (hasFetchMethod(checker, receiverType)) return true;
    return !!(receiverType.flags & ts.TypeFlags.Any) && ROUTE_METHODS.has(callee.name.text) && madeByRouterFactory(checker, callee.expression);
  }
  // A plain call or `new`: a router factory given options (`Router({ before: [auth] })`).
  return hasFetchMethod(checker, checker.getTypeAtLocation(call));
}

/**
 * A receiver whose type is lost (`any`: itty-router's AutoRouter declares its result through an import path that does
 * not resolve) but which a router factory made: `const router = AutoRouter()`, `createRouter()`, `new Router()`.
 */
function madeByRouterFactory(checker: ts.TypeChecker, receiver: ts.Expression): boolean {
  let expression = unwrapExpression(receiver);
  // `router.get(…).post(…)`: the chain starts at the router.
  while (ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression)) expression = unwrapExpression(expression.expression.expression);
  if (ts.isIdentifier(expression)) {
    const declaration = resolvedSymbol(checker, expression)?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return false;
    expression = unwrapExpression(declaration.initializer);
  }
  if (!ts.isCallExpression(expression) && !ts.isNewExpression(expression)) return false;
  const factory = unwrapExpression(expression.expression);
  const name = ts.isIdentifier(factory) ? factory.text : ts.isPropertyAccessExpression(factory) ? factory.name.text : '';
  return /router$/i.test(name);
}

function hasFetchMethod(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  const fetch = checker.getPropertyOfType(checker.getNonNullableType(type), 'fetch');
  return !!fetch && checker.getTypeOfSymbol(fetch).getCallSignatures().length > 0;
}
