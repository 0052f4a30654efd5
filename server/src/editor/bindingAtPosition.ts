/**
 * Which binding a place in a worker's source refers to: `env.MY_KV` (the module syntax's `env`, `c.env`, `this.env`),
 * `const { MY_KV } = env`, or the global `MY_KV` of a service-worker script. Found through the checker — the symbol is
 * declared in the virtual Env file — and, where the checker cannot know (a JavaScript `env` parameter is `any`, or the
 * author declared their own `Env`), by the shape `<…env>.NAME` with NAME a declared binding.
 */
import path from 'node:path';
import ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';
import type { TypeCheckProject } from '../typeCheck/project.ts';

export interface BindingReference {
  binding: BindingDeclaration;
  /** The name as written in the source. */
  node: ts.Identifier | ts.StringLiteral;
  sourceFile: ts.SourceFile;
  /** Reached as a global (service-worker script) rather than as a member of `env`. */
  global: boolean;
  /** Its type, as the checker sees it (or as the config declares it, when the checker cannot know). */
  typeText: string;
}

export function bindingAtPosition(project: TypeCheckProject, fileName: string, offset: number): BindingReference | undefined {
  const bindings = project.bindings();
  if (!bindings || bindings.length === 0) return undefined;
  const program = project.program();
  const sourceFile = program.getSourceFile(path.resolve(fileName));
  if (!sourceFile) return undefined;
  const node = nameAt(sourceFile, offset) ?? (offset > 0 ? nameAt(sourceFile, offset - 1) : undefined);
  if (!node) return undefined;
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(node);
  if (symbol && declaredIn(symbol, project.envFile)) {
    const binding = bindings.find((b) => b.name === symbol.name);
    if (!binding) return undefined;
    const global = (symbol.flags & ts.SymbolFlags.Variable) !== 0;
    return { binding, node, sourceFile, global, typeText: checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, node)) };
  }
  const access = node.parent;
  if (ts.isIdentifier(node) && ts.isPropertyAccessExpression(access) && access.name === node && looksLikeEnv(access.expression)) {
    const binding = bindings.find((b) => b.name === node.text);
    if (binding) return { binding, node, sourceFile, global: false, typeText: binding.type };
  }
  return undefined;
}

/** An expression a worker's env usually goes by: `env`, `c.env` (Hono), `this.env` (Durable Objects, entrypoints). */
export function looksLikeEnv(expression: ts.Expression): boolean {
  return (ts.isIdentifier(expression) && expression.text === 'env') || (ts.isPropertyAccessExpression(expression) && expression.name.text === 'env');
}

/** Whether a symbol is declared in the file (the virtual Env declarations). */
export function declaredIn(symbol: ts.Symbol, fileName: string): boolean {
  return symbol.declarations?.some((d) => path.resolve(d.getSourceFile().fileName) === fileName) ?? false;
}

/** The identifier (or string literal: `env["MY-KV"]`) covering an offset. */
function nameAt(sourceFile: ts.SourceFile, offset: number): ts.Identifier | ts.StringLiteral | undefined {
  const node = innermostAt(sourceFile, offset);
  return node && (ts.isIdentifier(node) || ts.isStringLiteral(node)) ? node : undefined;
}

/** The innermost node whose text covers `offset` (start inclusive, end exclusive). */
export function innermostAt(sourceFile: ts.SourceFile, offset: number): ts.Node | undefined {
  const visit = (node: ts.Node): ts.Node | undefined => {
    if (offset < node.getStart(sourceFile) || offset >= node.getEnd()) return undefined;
    return ts.forEachChild(node, visit) ?? node;
  };
  return ts.forEachChild(sourceFile, visit);
}
