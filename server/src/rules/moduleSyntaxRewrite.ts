/**
 * The quick fix of `service-worker-syntax`: a service-worker script rewritten in module syntax, or undefined when
 * the script has a shape this cannot rewrite without changing what it does. Handled:
 *   addEventListener('fetch', (event) => { …; event.respondWith(X) })   →  async fetch(request, env, ctx) { …; return X }
 *   addEventListener('fetch', (event) => event.respondWith(X))          →  async fetch(request, env, ctx) { return X; }
 *   event.request → request, event.waitUntil / passThroughOnException → ctx.…,
 *   addEventListener('scheduled', (event) => …)                          →  async scheduled(event, env, ctx) { … }
 *   a binding read as a global (MY_KV.get) → env.MY_KV; a top-level function that reads one gets an `env` parameter,
 *   passed at each of its calls (and so on up to the handler).
 * Not rewritten (no fix offered): respondWith anywhere but as the listener's last statement (a listener that may not
 * respond falls through to the origin, which module syntax cannot say), `return` in the listener, the event used
 * other than through those members, an undeclared global that is not a config binding (a secret set with `wrangler
 * secret put`?), a binding read at the top level, a function that reads one and is used other than by direct calls,
 * names that would collide (`request`, `env`, `ctx` already in use), options or duplicates in addEventListener.
 */
import ts from 'typescript';
import { globalReferences } from './globalNames.ts';
import { hasDefaultExport, topLevelListeners, type Listener } from './scriptShape.ts';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

type ListenerFunction = ts.ArrowFunction | ts.FunctionExpression;

interface ConvertedListener {
  listener: Listener;
  fn: ListenerFunction;
  type: 'fetch' | 'scheduled';
  /** The event parameter's name (kept as scheduled's first parameter), if any. */
  eventName: string | undefined;
  /** Edits inside the listener's body, applied when its method is generated. */
  inner: TextEdit[];
}

/** Thrown inside the analysis when the script has a shape the rewrite does not handle. */
class Unsupported extends Error {}

/** The edits rewriting `sourceFile` in module syntax; undefined when that cannot be done safely. */
export function rewriteToModuleSyntax(sourceFile: ts.SourceFile, checker: ts.TypeChecker, bindingNames: ReadonlySet<string>): TextEdit[] | undefined {
  try {
    const edits = new Rewrite(sourceFile, checker, bindingNames).edits();
    return parses(sourceFile, edits) ? edits : undefined;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

class Rewrite {
  private readonly sourceFile: ts.SourceFile;
  private readonly checker: ts.TypeChecker;
  private readonly bindingNames: ReadonlySet<string>;
  private readonly typescript: boolean;
  private readonly listeners: ConvertedListener[] = [];
  /** Edits outside the listeners. */
  private readonly outer: TextEdit[] = [];

  constructor(sourceFile: ts.SourceFile, checker: ts.TypeChecker, bindingNames: ReadonlySet<string>) {
    this.sourceFile = sourceFile;
    this.checker = checker;
    this.bindingNames = bindingNames;
    this.typescript = /\.[cm]?tsx?$/.test(sourceFile.fileName);
  }

  edits(): TextEdit[] {
    if (hasDefaultExport(this.sourceFile)) throw new Unsupported();
    const seen = new Set<string>();
    for (const listener of topLevelListeners(this.sourceFile)) {
      if (listener.type !== 'fetch' && listener.type !== 'scheduled') continue;
      if (seen.has(listener.type)) throw new Unsupported();
      seen.add(listener.type);
      this.listeners.push(this.convertListener(listener, listener.type));
    }
    if (this.listeners.length === 0) throw new Unsupported();
    this.rewriteBindings();

    const [first, ...others] = this.listeners;
    const edits = [...this.outer];
    edits.push({ start: first!.listener.statement.getStart(this.sourceFile), end: first!.listener.statement.getEnd(), newText: this.moduleExport() });
    for (const other of others) edits.push({ start: other.listener.statement.getStart(this.sourceFile), end: lineEndAfter(this.sourceFile.text, other.listener.statement.getEnd()), newText: '' });
    return sortedDisjoint(edits);
  }

  private convertListener(listener: Listener, type: 'fetch' | 'scheduled'): ConvertedListener {
    const fn = listener.handler;
    if (listener.call.arguments.length !== 2 || !fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || fn.asteriskToken) throw new Unsupported();
    if (fn.parameters.length > 1) throw new Unsupported();
    const parameter = fn.parameters[0];
    if (parameter && (!ts.isIdentifier(parameter.name) || parameter.initializer || parameter.dotDotDotToken)) throw new Unsupported();
    const eventName = parameter && (parameter.name as ts.Identifier).text;
    const introduced = type === 'fetch' ? ['request', 'env', 'ctx'] : eventName ? ['env', 'ctx'] : ['controller', 'env', 'ctx'];
    if (eventName && introduced.includes(eventName)) throw new Unsupported();
    // A listener that returns early may not respond (the request goes on to the origin); `this` changes meaning.
    forEachOwnNode(fn.body, false, (node) => {
      if (ts.isReturnStatement(node)) throw new Unsupported();
    });
    forEachOwnNode(fn.body, true, (node) => {
      if (node.kind === ts.SyntaxKind.ThisKeyword) throw new Unsupported();
    });
    for (const name of introduced) if (mentions(fn.body, name)) throw new Unsupported();

    const converted: ConvertedListener = { listener, fn, type, eventName, inner: [] };
    const event = parameter && this.checker.getSymbolAtLocation(parameter.name);
    let responded = false;
    if (event) {
      for (const use of references(fn.body, event, this.checker)) {
        const access = use.parent;
        if (!ts.isPropertyAccessExpression(access) || access.expression !== use || isWriteTarget(access)) throw new Unsupported();
        const member = access.name.text;
        const called = ts.isCallExpression(access.parent) && access.parent.expression === access ? access.parent : undefined;
        if (type === 'fetch' && member === 'request') {
          converted.inner.push(this.replace(access, 'request'));
        } else if ((member === 'waitUntil' || (type === 'fetch' && member === 'passThroughOnException')) && called) {
          converted.inner.push(this.replace(use, 'ctx'));
        } else if (type === 'fetch' && member === 'respondWith' && called && !responded && isFinalStep(called, fn)) {
          const [response] = called.arguments;
          if (called.arguments.length !== 1 || !response) throw new Unsupported();
          responded = true;
          converted.inner.push({ start: called.getStart(this.sourceFile), end: response.getStart(this.sourceFile), newText: 'return ' });
          converted.inner.push({ start: response.getEnd(), end: called.getEnd(), newText: '' });
        } else if (type === 'scheduled' && (member === 'scheduledTime' || member === 'cron' || member === 'noRetry')) {
          // ScheduledController has these too: the event keeps its name as scheduled's first parameter.
        } else {
          throw new Unsupported();
        }
      }
    }
    if (type === 'fetch' && !responded) throw new Unsupported();
    return converted;
  }

  /** Bindings read as globals become `env.X`; functions reading them get `env` threaded through their calls. */
  private rewriteBindings(): void {
    const needsEnv = new Map<ts.Node, ThreadedFunction>();
    const pending: ThreadedFunction[] = [];
    const requireEnvIn = (node: ts.Node): void => {
      const owner = this.ownerOf(node);
      if (owner === 'listener' || needsEnv.has(owner.fn)) return;
      needsEnv.set(owner.fn, owner);
      pending.push(owner);
    };
    for (const reference of globalReferences(this.sourceFile, this.checker)) {
      const { node } = reference;
      if (!this.bindingNames.has(node.text)) {
        if (reference.undeclared) throw new Unsupported(); // a global only production knows about
        continue;
      }
      if (isWriteTarget(node)) throw new Unsupported();
      requireEnvIn(node);
      const shorthand = ts.isShorthandPropertyAssignment(node.parent);
      this.edit(this.replace(node, shorthand ? `${node.text}: env.${node.text}` : `env.${node.text}`));
    }
    while (pending.length > 0) {
      const threaded = pending.pop()!;
      const { fn, symbol } = threaded;
      if (mentions(fn, 'env') || fn.parameters.some((p) => p.dotDotDotToken || (ts.isIdentifier(p.name) && p.name.text === 'this'))) throw new Unsupported();
      for (const use of references(this.sourceFile, symbol, this.checker)) {
        const call = use.parent;
        if (!ts.isCallExpression(call) || call.expression !== use || call.arguments.length !== fn.parameters.length || call.arguments.some(ts.isSpreadElement)) {
          throw new Unsupported();
        }
        requireEnvIn(call);
        this.edit(this.appendToList(call.arguments, 'env'));
      }
      this.edit(this.appendParameter(fn));
    }
  }

  /** Where a node runs: inside a listener (env is a parameter there) or inside a top-level named function. */
  private ownerOf(node: ts.Node): 'listener' | ThreadedFunction {
    if (this.listeners.some((l) => within(node, l.fn))) return 'listener';
    let statement: ts.Node = node;
    while (statement.parent && !ts.isSourceFile(statement.parent)) statement = statement.parent;
    let fn: ts.FunctionLikeDeclaration | undefined;
    let name: ts.Identifier | undefined;
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      fn = statement;
      name = statement.name;
    } else if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1) {
      const declaration = statement.declarationList.declarations[0]!;
      const init = declaration.initializer;
      if (ts.isIdentifier(declaration.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
        fn = init;
        name = declaration.name;
      }
    }
    // Top-level code, a class, a parameter default: no env to be had there.
    if (!fn?.body || !name || !within(node, fn.body)) throw new Unsupported();
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) throw new Unsupported();
    return { fn, symbol };
  }

  private edit(edit: TextEdit): void {
    const listener = this.listeners.find((l) => edit.start >= l.fn.getStart(this.sourceFile) && edit.end <= l.fn.getEnd());
    (listener ? listener.inner : this.outer).push(edit);
  }

  private replace(node: ts.Node, newText: string): TextEdit {
    return { start: node.getStart(this.sourceFile), end: node.getEnd(), newText };
  }

  private appendParameter(fn: ts.FunctionLikeDeclaration): TextEdit {
    const parameter = this.typescript ? 'env: Env' : 'env';
    const parenthesized = fn.getChildren(this.sourceFile).some((child) => child.kind === ts.SyntaxKind.OpenParenToken);
    if (!parenthesized) {
      const only = fn.parameters[0]!; // `x => …`
      return { start: only.getStart(this.sourceFile), end: only.getEnd(), newText: `(${only.getText(this.sourceFile)}, ${parameter})` };
    }
    return this.appendToList(fn.parameters, parameter);
  }

  private appendToList(list: ts.NodeArray<ts.Node>, item: string): TextEdit {
    if (list.length === 0) return { start: list.end, end: list.end, newText: item };
    return { start: list.end, end: list.end, newText: list.hasTrailingComma ? ` ${item}` : `, ${item}` };
  }

  private moduleExport(): string {
    const methods = this.listeners.map((l) => {
      const parameters = l.type === 'fetch' ? 'request, env, ctx' : `${l.eventName ?? 'controller'}, env, ctx`;
      return `  async ${l.type}(${parameters}) ${this.methodBody(l)},\n`;
    });
    return `export default {\n${methods.join('')}}${this.typescript ? ' satisfies ExportedHandler<Env>' : ''};`;
  }

  /** The listener's body with its edits applied, as a method body one level deeper. */
  private methodBody(l: ConvertedListener): string {
    const body = l.fn.body;
    const text = this.sourceFile.text;
    const from = ts.isBlock(body) ? body.getStart(this.sourceFile) + 1 : body.getStart(this.sourceFile);
    const to = ts.isBlock(body) ? body.getEnd() - 1 : body.getEnd();
    let inner = text.slice(from, to);
    for (const edit of sortedDisjoint(l.inner).reverse()) inner = inner.slice(0, edit.start - from) + edit.newText + inner.slice(edit.end - from);
    if (!ts.isBlock(body)) return `{\n    ${inner};\n  }`;
    if (!inner.includes('\n')) return `{${inner}}`;
    const lines = inner.split('\n');
    if (/^\s*$/.test(lines.at(-1)!)) lines[lines.length - 1] = '';
    // Re-indent one level, unless a multi-line string or template would have its contents changed.
    const indented = hasMultilineLiteral(body, this.sourceFile) ? lines : lines.map((line, i) => (i > 0 && line.trim() !== '' ? `  ${line}` : line));
    return `{${indented.join('\n')}  }`;
  }
}

interface ThreadedFunction {
  fn: ts.FunctionLikeDeclaration;
  symbol: ts.Symbol;
}

/** `call` is the listener's final step: its arrow body, or the expression of the block's last statement. */
function isFinalStep(call: ts.CallExpression, fn: ListenerFunction): boolean {
  if (!ts.isBlock(fn.body)) return fn.body === call;
  const last = fn.body.statements.at(-1);
  return !!last && ts.isExpressionStatement(last) && last.expression === call;
}

/** Nodes of a function body that belong to it, not to functions nested in it (arrows included or not). */
function forEachOwnNode(root: ts.Node, intoArrows: boolean, visit: (node: ts.Node) => void): void {
  const walk = (node: ts.Node): void => {
    visit(node);
    if (ts.isFunctionLike(node) && !(intoArrows && ts.isArrowFunction(node))) return;
    if (ts.isClassLike(node)) return;
    ts.forEachChild(node, walk);
  };
  walk(root);
}

/** Whether `name` appears as a variable (declared or read) anywhere under `root`. */
function mentions(root: ts.Node, name: string): boolean {
  let found = false;
  const walk = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name) {
      const parent = node.parent;
      const propertyName =
        ((ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) &&
          parent.name === node) ||
        (ts.isBindingElement(parent) && parent.propertyName === node);
      if (!propertyName) found = true;
    }
    ts.forEachChild(node, walk);
  };
  walk(root);
  return found;
}

/** Identifiers under `root` that refer to `symbol` (its declaration excluded). */
function references(root: ts.Node, symbol: ts.Symbol, checker: ts.TypeChecker): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const declarations = new Set(symbol.declarations?.map((d) => ts.getNameOfDeclaration(d)));
  const walk = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !declarations.has(node) && (ts.isShorthandPropertyAssignment(node.parent) ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(node)) === symbol) {
      found.push(node);
    }
    ts.forEachChild(node, walk);
  };
  walk(root);
  return found;
}

function isWriteTarget(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node) return parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
  return (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken);
}

function within(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

function hasMultilineLiteral(root: ts.Node, sourceFile: ts.SourceFile): boolean {
  let found = false;
  const walk = (node: ts.Node): void => {
    if (found) return;
    if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && node.getText(sourceFile).includes('\n')) found = true;
    else ts.forEachChild(node, walk);
  };
  walk(root);
  return found;
}

/** The offset after the line break that follows `offset` when only whitespace is between them. */
function lineEndAfter(text: string, offset: number): number {
  const match = /^[ \t]*\r?\n/.exec(text.slice(offset));
  return match ? offset + match[0].length : offset;
}

function sortedDisjoint(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) throw new Unsupported();
  return sorted;
}

/** The rewritten text parses without errors (a last guard; the rewrite should never produce anything else). */
function parses(sourceFile: ts.SourceFile, edits: TextEdit[]): boolean {
  let text = sourceFile.text;
  for (const edit of [...edits].reverse()) text = text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
  const rewritten = ts.createSourceFile(sourceFile.fileName, text, ts.ScriptTarget.Latest, false);
  const parseDiagnostics = (rewritten as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics;
  return parseDiagnostics === undefined || parseDiagnostics.length === 0;
}
