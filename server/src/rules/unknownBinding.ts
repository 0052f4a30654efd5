/**
 * Rule `unknown-binding` (error): a binding read that no declaration in the wrangler config (or `.dev.vars` / `.env`
 * for secrets) accounts for — `env.MY_KVV` when the config declares `MY_KV`. Only when the project has a config.
 *
 * What counts as reading `env`, in the module format: the second parameter of a handler in the default export
 * (typed or not, destructured too), and any expression whose type is an `Env` interface (`env: Env` passed on to a
 * helper, `this.env` in a Durable Object, Hono's `c.env`). In a service-worker script: a name read from the global
 * scope that nothing declares (bindings are globals there), when it looks like a binding (SCREAMING_CASE) or is a
 * near miss of one.
 *
 * Not flagged, because the read cannot be known to fail: guarded reads (`env.X ?? …`, `if (env.X)`, `typeof X`,
 * `env.X?.…`, a destructuring default), members of Object.prototype, and members the user declared on their own Env
 * type (a secret set with `wrangler secret put` is declared nowhere else). Members of a wrangler-generated
 * worker-configuration.d.ts do not count: that file goes stale, the config is the truth.
 */
import path from 'node:path';
import ts from 'typescript';
import { ENV_FILE_NAME } from '../typeCheck/env.ts';
import { closestName, FIXABLE_DISTANCE } from './closestName.ts';
import { globalReferences } from './globalNames.ts';
import type { QuickFix, Rule, RuleContext, RuleDiagnostic } from './rule.ts';
import { isServiceWorkerScript, moduleHandlers } from './scriptShape.ts';

export const UNKNOWN_BINDING = 'unknown-binding';

/** TypeScript's own words for the same mistake: "Property 'X' does not exist on type 'Env'", "Cannot find name 'X'". */
const RESTATED_ON_ENV = [2339, 2551];
const RESTATED_GLOBAL = [2304, 2552];

const OBJECT_MEMBERS = new Set(Object.getOwnPropertyNames(Object.prototype));
/** Globals workerd provides with nodejs_compat that the Workers types may not declare. */
const NODE_GLOBALS = new Set(['process', 'Buffer', 'global', 'require', 'module', 'exports', '__dirname', '__filename', 'setImmediate', 'clearImmediate']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const LOOKS_LIKE_BINDING = /^[A-Z][A-Z0-9_]*$/;

/** One read of a binding name, with how to rename it. */
interface BindingRead {
  name: string;
  /** Where the diagnostic goes: the name as written. */
  node: ts.Node;
  /** How the message shows the read (`env.MY_KVV`, `MY_KVV`). */
  shown: string;
  global: boolean;
  /** The edit that makes the read use another name, when that can be written safely. */
  rename: (to: string) => { start: number; end: number; newText: string } | undefined;
}

export const unknownBinding: Rule = (context) => {
  if (!context.bindings) return [];
  const declared = new Set(context.bindings.map((b) => b.name));
  const reads = [...envReads(context), ...(context.isEntry && isServiceWorkerScript(context.sourceFile) ? globalReads(context, declared) : [])];
  const configName = context.configPath ? path.basename(context.configPath) : 'the wrangler config';
  const diagnostics: RuleDiagnostic[] = [];
  for (const read of reads) {
    if (declared.has(read.name)) continue;
    const suggestion = closestName(read.name, declared);
    const start = read.node.getStart(context.sourceFile);
    const fixes: QuickFix[] = [];
    if (suggestion && suggestion.distance <= FIXABLE_DISTANCE) {
      const edit = read.rename(suggestion.name);
      if (edit) fixes.push({ title: `Change ${read.name} to ${suggestion.name} (declared in ${configName})`, edits: [{ file: context.sourceFile.fileName, ...edit }] });
    }
    const why = read.global
      ? `In production the global ${read.name} does not exist, so reading it throws a ReferenceError and the request fails.`
      : `In production ${read.shown} is undefined, so the request fails where it is used.`;
    diagnostics.push({
      code: UNKNOWN_BINDING,
      start,
      length: read.node.getEnd() - start,
      message: `${read.shown} is not declared in ${configName} (no binding, var or secret is named ${read.name})${suggestion ? `; did you mean ${suggestion.name}?` : '.'} ${why}`,
      category: ts.DiagnosticCategory.Error,
      ...(fixes.length > 0 ? { fixes } : {}),
      restatesTypeScript: read.global ? RESTATED_GLOBAL : RESTATED_ON_ENV,
    });
  }
  return diagnostics;
};

/** Reads of `env.X` (module format), `env['X']` and `{ X } = env`. */
function envReads(context: RuleContext): BindingRead[] {
  const { sourceFile, checker } = context;
  const envParameters = new Set<ts.Symbol>();
  const reads: BindingRead[] = [];
  for (const handler of moduleHandlers(sourceFile, checker)) {
    const env = handler.fn.parameters[1];
    if (!env) continue;
    if (ts.isIdentifier(env.name)) {
      const symbol = checker.getSymbolAtLocation(env.name);
      if (symbol) envParameters.add(symbol);
    } else if (ts.isObjectBindingPattern(env.name)) {
      reads.push(...destructuredReads(env.name, checker.getTypeAtLocation(env.name), context));
    }
  }

  /**
   * The type of an expression that is env, or undefined when it is not env. Decided once per symbol from its declared
   * type (a variable, a parameter, a property such as Hono's `c.env`), not per expression: checking the type of every
   * property access's object would cost as much as type-checking the file again.
   */
  const envTypes = new Map<ts.Symbol, ts.Type | null>();
  const envType = (expression: ts.Expression): ts.Type | undefined => {
    const reference = ts.isIdentifier(expression) ? expression : ts.isPropertyAccessExpression(expression) ? expression.name : undefined;
    const symbol = reference && checker.getSymbolAtLocation(reference);
    if (!symbol) return undefined;
    let type = envTypes.get(symbol);
    if (type === undefined) {
      const declared = checker.getTypeOfSymbol(symbol);
      type = envParameters.has(symbol) || isEnvType(declared) ? declared : null;
      envTypes.set(symbol, type);
    }
    return type ?? undefined;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
      const type = envType(node.expression);
      if (type && readsUnlessGuarded(node, node.name.text, type, context)) {
        const name = node.name;
        const objectText = node.expression.getText(sourceFile);
        reads.push({
          name: name.text,
          node: name,
          shown: `${objectText.length <= 40 ? objectText : 'env'}.${name.text}`,
          global: false,
          rename: (to) => (IDENTIFIER.test(to) ? { start: name.getStart(sourceFile), end: name.getEnd(), newText: to } : undefined),
        });
      }
    } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const literal = node.argumentExpression;
      const type = envType(node.expression);
      if (type && readsUnlessGuarded(node, literal.text, type, context)) {
        reads.push({
          name: literal.text,
          node: literal,
          shown: `env[${JSON.stringify(literal.text)}]`,
          global: false,
          rename: (to) => (/^[\w$-]+$/.test(to) ? { start: literal.getStart(sourceFile) + 1, end: literal.getEnd() - 1, newText: to } : undefined),
        });
      }
    } else if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
      const type = envType(node.initializer);
      if (type) reads.push(...destructuredReads(node.name, type, context));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return reads;
}

/** `{ A, B: b, C = fallback } = env`: A and B are read (C has a fallback). */
function destructuredReads(pattern: ts.ObjectBindingPattern, type: ts.Type, context: RuleContext): BindingRead[] {
  const { sourceFile } = context;
  const reads: BindingRead[] = [];
  for (const element of pattern.elements) {
    if (element.dotDotDotToken || element.initializer) continue;
    const key = element.propertyName ?? element.name;
    if (!ts.isIdentifier(key) && !ts.isStringLiteral(key)) continue;
    const name = key.text;
    if (OBJECT_MEMBERS.has(name) || userDeclaresMember(type, name, context)) continue;
    const shorthand = !element.propertyName && ts.isIdentifier(element.name);
    reads.push({
      name,
      node: key,
      shown: `env.${name}`,
      global: false,
      rename: (to) => {
        if (!IDENTIFIER.test(to)) return undefined;
        // `{ MY_KVV }` declares a local too: keep its name, read the other property.
        return { start: key.getStart(sourceFile), end: key.getEnd(), newText: shorthand ? `${to}: ${name}` : to };
      },
    });
  }
  return reads;
}

/** Whether `access` (reading `name` from env) is a plain read that fails when the binding is missing. */
function readsUnlessGuarded(access: ts.Expression, name: string, type: ts.Type, context: RuleContext): boolean {
  if (OBJECT_MEMBERS.has(name) || userDeclaresMember(type, name, context)) return false;
  return !isGuarded(access);
}

/** A read whose author expects it may be missing: `typeof x`, `!x`, `x ?? y`, `x || y`, `x && y`, `x?.y`, `if (x)`, `x === undefined`. */
function isGuarded(read: ts.Expression): boolean {
  let node: ts.Node = read;
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isNonNullExpression(parent)) {
    node = parent;
    parent = parent.parent;
  }
  if (ts.isTypeOfExpression(parent)) return true;
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) return true;
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent) || ts.isCallExpression(parent)) && parent.expression === node && parent.questionDotToken) return true;
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    const comparison = [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(op);
    const fallback = [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.AmpersandAmpersandToken].includes(op);
    if (comparison || (fallback && parent.left === node)) return true;
    if (isAssignment(op) || op === ts.SyntaxKind.InKeyword) return parent.left === node; // a write, or `'X' in env`
  }
  if ((ts.isIfStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent)) && parent.expression === node) return true;
  return ts.isConditionalExpression(parent) && parent.condition === node;
}

/** `Env`, `Cloudflare.Env`, or a user's own interface named Env. */
function isEnvType(type: ts.Type): boolean {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  return symbol?.getName() === 'Env' && !!symbol.declarations?.some(ts.isInterfaceDeclaration);
}

/** The user's own code declares `name` on the env type (their hand-written Env, a Hono `Bindings` type…). */
function userDeclaresMember(type: ts.Type, name: string, context: RuleContext): boolean {
  if (type.flags & ts.TypeFlags.Any) return false;
  const member = context.checker.getPropertyOfType(type, name);
  return !!member?.declarations?.some((d) => isUserFile(d.getSourceFile(), context.program));
}

function isUserFile(file: ts.SourceFile, program: ts.Program): boolean {
  if (program.isSourceFileDefaultLibrary(file) || program.isSourceFileFromExternalLibrary(file)) return false;
  if (path.basename(file.fileName) === ENV_FILE_NAME || /workers-types(\.d\.ts$|[\\/])/.test(file.fileName)) return false;
  if (file.fileName.split(/[\\/]/).includes('node_modules')) return false;
  return !file.text.slice(0, 500).includes('Generated by Wrangler');
}

/** Service-worker script: undeclared globals that are used like bindings. */
function globalReads(context: RuleContext, declared: Set<string>): BindingRead[] {
  const { sourceFile, checker } = context;
  const references = globalReferences(sourceFile, checker).filter((r) => r.undeclared);
  const written = new Set(references.filter((r) => isWrite(r.node)).map((r) => r.node.text));
  for (const name of globalObjectWrites(sourceFile)) written.add(name);
  const reads: BindingRead[] = [];
  for (const { node } of references) {
    const name = node.text;
    if (written.has(name) || NODE_GLOBALS.has(name) || isGuarded(node)) continue;
    if (!LOOKS_LIKE_BINDING.test(name) && !closestName(name, declared)) continue;
    const shorthand = ts.isShorthandPropertyAssignment(node.parent);
    reads.push({
      name,
      node,
      shown: name,
      global: true,
      rename: (to) => (IDENTIFIER.test(to) ? { start: node.getStart(sourceFile), end: node.getEnd(), newText: shorthand ? `${name}: ${to}` : to } : undefined),
    });
  }
  return reads;
}

function isWrite(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node && isAssignment(parent.operatorToken.kind)) return true;
  return (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken);
}

/** Names a script puts on the global object itself: `globalThis.X = …`, `self.X = …`. */
function globalObjectWrites(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      isAssignment(node.operatorToken.kind) &&
      ts.isPropertyAccessExpression(node.left) &&
      ts.isIdentifier(node.left.expression) &&
      (node.left.expression.text === 'globalThis' || node.left.expression.text === 'self')
    ) {
      names.push(node.left.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return names;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}
