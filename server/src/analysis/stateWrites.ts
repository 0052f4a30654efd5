/**
 * The places in a file's per-request code (perRequestCode.ts) that change module or global state (stateOwner.ts):
 *  - a module binding assigned: `count++`, `x = …`, `x ??= …`, destructuring targets, `for (x of …)`;
 *  - an object it holds changed: `cache.x = …`, `state.items[k]++`, `delete m[k]`, `Object.assign(state, …)`;
 *  - a mutating method called on one: `set`/`add`/`push`/`delete`/`clear`/… on a Map, Set, WeakMap, WeakSet, array,
 *    typed array, Headers, URLSearchParams or FormData (or a value of unknown type), and a method of the user's own
 *    class or object that changes `this` (`counter.increment()`);
 *  - a global written: `globalThis.x = …`, `self.x++`, `globalThis.registry.set(…)`, an undeclared name.
 * Writes through `this` are not module state (a Durable Object's or any instance's own fields), except in a method of
 * the exported handler object. A name nothing declares is only state when assigned: calling a method on one is a
 * service-worker binding (`MY_KV.delete(k)`).
 * Both global-state rules read this list: request-state-in-global takes the writes that store a request-scoped
 * object, mutable-global-state the others.
 */
import ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';
import { perRequestCode } from './perRequestCode.ts';
import { isGlobalObject, stateOwner, type StateOwner } from './stateOwner.ts';
import { isFunctionWithBody, isProjectFile, resolvedSymbol, unwrapExpression, type FunctionWithBody } from './syntax.ts';

export interface StateWrite {
  /** Where a diagnostic goes: the target written (`count`, `cache.x`) or the mutating call's callee (`cache.set`). */
  node: ts.Node;
  owner: StateOwner;
  /** Whether the module binding itself is reassigned (rather than an object it holds changed). */
  rebinds: boolean;
  /** The values the write stores: the right side of `=`, `??=`, `||=`, `&&=`; a mutating call's arguments. */
  values: ts.Expression[];
  /** `x ??= v`, `x ||= v`, `x = x ?? v`, `if (!x) x = v`: a binding initialised on first use. */
  lazy: boolean;
}

/** Mutating methods of Map, Set, WeakMap, WeakSet, Array, typed arrays, Headers, URLSearchParams, FormData. */
const MUTATING_METHODS = new Set(['set', 'delete', 'clear', 'add', 'append', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);
/** Types whose mutating methods change the object (besides arrays and tuples). */
const MUTABLE_CONTAINERS = new Set([
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Headers',
  'URLSearchParams',
  'FormData',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);
/** `Object.assign(target, …)` and friends change their first argument. */
const MUTATING_STATICS: Record<string, ReadonlySet<string>> = {
  Object: new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf']),
  Reflect: new Set(['set', 'defineProperty', 'deleteProperty', 'setPrototypeOf']),
};

const STORING_ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
]);

const cache = new WeakMap<ts.Program, WeakMap<ts.SourceFile, StateWrite[]>>();

/** The state writes of a file that may run while a request is handled (cached per program). */
export function stateWrites(program: ts.Program, bindings: readonly BindingDeclaration[] | undefined, sourceFile: ts.SourceFile): StateWrite[] {
  let byFile = cache.get(program);
  if (!byFile) cache.set(program, (byFile = new WeakMap()));
  let writes = byFile.get(sourceFile);
  if (!writes) {
    const code = perRequestCode(program, bindings);
    writes = findStateWrites(program.getTypeChecker(), sourceFile).filter((w) => code.isPerRequest(w.node));
    byFile.set(sourceFile, writes);
  }
  return writes;
}

/** Every state write in the file, per request or not. */
export function findStateWrites(checker: ts.TypeChecker, sourceFile: ts.SourceFile): StateWrite[] {
  const writes = new Map<ts.Node, StateWrite>();
  const mutatesThis = thisMutationFinder(checker);

  const target = (node: ts.Expression, values: ts.Expression[], lazy: boolean) => {
    const expression = unwrapExpression(node);
    if (ts.isObjectLiteralExpression(expression) || ts.isArrayLiteralExpression(expression)) {
      for (const inner of destructuringTargets(expression)) target(inner, [], false);
      return;
    }
    if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression) && !ts.isElementAccessExpression(expression)) return;
    if (isGlobalObject(checker, expression)) return;
    const owner = stateOwner(checker, expression);
    if (!owner || (isUndeclared(owner) && !ts.isIdentifier(expression))) return;
    const rebinds = ts.isIdentifier(expression) && owner.kind === 'module';
    writes.set(expression, { node: expression, owner, rebinds, values, lazy: rebinds && lazy });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) {
      // `x += n` stores the sum, not `n`: only plain and logical assignments store their right side.
      target(node.left, STORING_ASSIGNMENTS.has(node.operatorToken.kind) ? [node.right] : [], isLazyInitialisation(checker, node));
    } else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
      target(node.operand, [], false);
    } else if (ts.isDeleteExpression(node)) {
      target(node.expression, [], false);
    } else if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) && !ts.isVariableDeclarationList(node.initializer)) {
      target(node.initializer, [], false);
    } else if (ts.isCallExpression(node)) {
      const write = mutatingCall(checker, node, mutatesThis);
      if (write) writes.set(write.node, write);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return [...writes.values()].sort((a, b) => a.node.getStart() - b.node.getStart());
}

/** A name nothing declares: assigning it creates a global; calling or changing members of it is about a binding. */
function isUndeclared(owner: StateOwner): boolean {
  return owner.kind === 'global' && owner.undeclared === true;
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** The targets of a destructuring assignment: `[a, b] = …`, `({ a, b: c.d, ...rest } = …)`, with defaults. */
function destructuringTargets(pattern: ts.ObjectLiteralExpression | ts.ArrayLiteralExpression): ts.Expression[] {
  const targets: ts.Expression[] = [];
  const element = (node: ts.Expression) => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) targets.push(node.left);
    else if (ts.isSpreadElement(node)) targets.push(node.expression);
    else if (!ts.isOmittedExpression(node)) targets.push(node);
  };
  if (ts.isArrayLiteralExpression(pattern)) pattern.elements.forEach(element);
  else {
    for (const property of pattern.properties) {
      if (ts.isShorthandPropertyAssignment(property)) targets.push(property.name);
      else if (ts.isPropertyAssignment(property)) element(property.initializer);
      else if (ts.isSpreadAssignment(property)) targets.push(property.expression);
    }
  }
  return targets;
}

/** A call that changes module or global state: a mutating method, `Object.assign(state, …)`, a method changing `this`. */
function mutatingCall(checker: ts.TypeChecker, call: ts.CallExpression, mutatesThis: (fn: FunctionWithBody) => boolean): StateWrite | undefined {
  const callee = unwrapExpression(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const receiver = unwrapExpression(callee.expression);

  const statics = ts.isIdentifier(receiver) ? MUTATING_STATICS[receiver.text] : undefined;
  if (statics?.has(method) && call.arguments[0] && !resolvedSymbol(checker, receiver)?.declarations?.some((d) => isProjectFile(d.getSourceFile()))) {
    const first = call.arguments[0];
    const owner = isGlobalObject(checker, first) ? undefined : stateOwner(checker, first);
    if (!owner || isUndeclared(owner)) return undefined;
    return { node: first, owner, rebinds: false, values: call.arguments.slice(1), lazy: false };
  }
  if (isGlobalObject(checker, receiver)) return undefined; // `self.addEventListener(…)`, `globalThis.fetch(…)`
  const owner = stateOwner(checker, receiver);
  if (!owner || isUndeclared(owner)) return undefined;
  const write = { node: callee, owner, rebinds: false, values: [...call.arguments], lazy: false };
  if (MUTATING_METHODS.has(method) && isMutableContainer(checker, checker.getTypeAtLocation(receiver))) return write;
  const symbol = resolvedSymbol(checker, callee.name);
  const functions = (symbol?.declarations ?? []).filter((d): d is FunctionWithBody => isFunctionWithBody(d) && isProjectFile(d.getSourceFile()));
  return functions.some(mutatesThis) ? write : undefined;
}

function isMutableContainer(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  const types = type.isUnion() ? type.types : [type];
  return types.some((t) => checker.isArrayType(t) || checker.isTupleType(t) || MUTABLE_CONTAINERS.has(t.getSymbol()?.getName() ?? ''));
}

/**
 * Whether a method of the user's own code changes `this` (`this.n++`, `this.items.push(x)`), directly or through
 * another of its methods (`this.reset()`); memoised per function.
 */
function thisMutationFinder(checker: ts.TypeChecker): (fn: FunctionWithBody) => boolean {
  const known = new Map<ts.Node, boolean>();
  const mutates = (fn: FunctionWithBody): boolean => {
    const cached = known.get(fn);
    if (cached !== undefined) return cached;
    known.set(fn, false); // recursion guard
    let found = false;
    const rootedAtThis = (expression: ts.Expression): boolean => {
      let e = unwrapExpression(expression);
      while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrapExpression(e.expression);
      return e.kind === ts.SyntaxKind.ThisKeyword;
    };
    const isMember = (e: ts.Expression) => ts.isPropertyAccessExpression(unwrapExpression(e)) || ts.isElementAccessExpression(unwrapExpression(e));
    const visit = (node: ts.Node): void => {
      if (found) return;
      // A nested `function` has its own `this`; arrow functions share it.
      if (node !== fn && isFunctionWithBody(node) && !ts.isArrowFunction(node)) return;
      if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind) && isMember(node.left) && rootedAtThis(node.left)) found = true;
      else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && isMember(node.operand) && rootedAtThis(node.operand)) {
        found = node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken;
      } else if (ts.isDeleteExpression(node) && rootedAtThis(node.expression)) found = true;
      else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && rootedAtThis(node.expression.expression)) {
        const receiver = node.expression.expression;
        const method = node.expression.name;
        if (MUTATING_METHODS.has(method.text) && isMember(receiver) && isMutableContainer(checker, checker.getTypeAtLocation(receiver))) found = true;
        else if (unwrapExpression(receiver).kind === ts.SyntaxKind.ThisKeyword) {
          const symbol = resolvedSymbol(checker, method);
          found = (symbol?.declarations ?? []).some((d) => isFunctionWithBody(d) && isProjectFile(d.getSourceFile()) && mutates(d));
        }
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(fn, visit);
    known.set(fn, found);
    return found;
  };
  return mutates;
}

/** `x ??= v`, `x ||= v`, `x = x ?? v`, `x = x || v`, or `x = v` under `if (!x)` / `if (x === undefined)`. */
function isLazyInitialisation(checker: ts.TypeChecker, assignment: ts.BinaryExpression): boolean {
  const target = unwrapExpression(assignment.left);
  if (!ts.isIdentifier(target)) return false;
  const operator = assignment.operatorToken.kind;
  if (operator === ts.SyntaxKind.QuestionQuestionEqualsToken || operator === ts.SyntaxKind.BarBarEqualsToken) return true;
  if (operator !== ts.SyntaxKind.EqualsToken) return false;
  const symbol = resolvedSymbol(checker, target);
  const same = (e: ts.Expression) => {
    const u = unwrapExpression(e);
    return ts.isIdentifier(u) && resolvedSymbol(checker, u) === symbol;
  };
  const right = unwrapExpression(assignment.right);
  if (ts.isBinaryExpression(right) && (right.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || right.operatorToken.kind === ts.SyntaxKind.BarBarToken) && same(right.left)) {
    return true;
  }
  // `if (!x) x = v;` / `if (x === undefined) { x = await make(); }`
  let statement: ts.Node = assignment.parent;
  if (!ts.isExpressionStatement(statement)) return false;
  if (ts.isBlock(statement.parent)) statement = statement.parent;
  const ifStatement = statement.parent;
  return ts.isIfStatement(ifStatement) && ifStatement.thenStatement === statement && testsAbsence(ifStatement.expression, same);
}

function testsAbsence(condition: ts.Expression, same: (e: ts.Expression) => boolean): boolean {
  const c = unwrapExpression(condition);
  if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) return same(c.operand);
  if (!ts.isBinaryExpression(c)) return false;
  const operator = c.operatorToken.kind;
  if (operator === ts.SyntaxKind.BarBarToken) return testsAbsence(c.left, same) || testsAbsence(c.right, same);
  if (operator !== ts.SyntaxKind.EqualsEqualsEqualsToken && operator !== ts.SyntaxKind.EqualsEqualsToken) return false;
  const isNothing = (e: ts.Expression) => {
    const u = unwrapExpression(e);
    return u.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(u) && u.text === 'undefined') || (ts.isStringLiteral(u) && u.text === 'undefined');
  };
  const isTypeofSame = (e: ts.Expression) => {
    const u = unwrapExpression(e);
    return ts.isTypeOfExpression(u) && same(u.expression);
  };
  return (same(c.left) && isNothing(c.right)) || (same(c.right) && isNothing(c.left)) || (isTypeofSame(c.left) && isNothing(c.right)) || (isTypeofSame(c.right) && isNothing(c.left));
}
