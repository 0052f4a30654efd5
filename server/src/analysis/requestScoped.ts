/**
 * Whether a value belongs to one request and must not outlive it: the Request, a Response, a body stream, the
 * ExecutionContext (`ctx`), the event of a service-worker listener, `env`, a WebSocket, a Hono Context, or a promise
 * of one of them (`fetch(…)`, a cached response promise). Decided by the value's type through the checker; a value
 * of unknown type (JavaScript without annotations) counts when it is a handler's own parameter.
 */
import ts from 'typescript';
import type { PerRequestCode } from './perRequestCode.ts';
import { resolvedSymbol, unwrapExpression } from './syntax.ts';

/** Request-scoped types by name, with the package that must declare them (undefined: the Workers types or the user). */
const REQUEST_SCOPED_TYPES = new Map<string, string | undefined>([
  ['Request', undefined],
  ['Response', undefined],
  ['ReadableStream', undefined],
  ['ReadableStreamDefaultReader', undefined],
  ['ReadableStreamBYOBReader', undefined],
  ['WritableStream', undefined],
  ['ExecutionContext', undefined],
  ['FetchEvent', undefined],
  ['ScheduledEvent', undefined],
  ['ScheduledController', undefined],
  ['MessageBatch', undefined],
  ['ForwardableEmailMessage', undefined],
  ['WebSocket', undefined],
  ['Env', undefined],
  ['Context', 'hono'],
  ['HonoRequest', 'hono'],
]);

/** Methods of a Durable Object or WorkerEntrypoint the runtime calls with request-scoped arguments. */
const ENTRYPOINT_HANDLERS = new Set(['fetch', 'webSocketMessage', 'webSocketClose', 'webSocketError', 'connect', 'queue', 'scheduled', 'email', 'tail']);

/** What a request-scoped value is, for a message (`a Response`, `a Promise<Response>`, `env`); undefined if it is not one. */
export function describeRequestScoped(checker: ts.TypeChecker, code: PerRequestCode, expression: ts.Expression, depth = 0): string | undefined {
  const value = unwrapExpression(expression);
  if (depth < 3 && ts.isObjectLiteralExpression(value)) {
    for (const property of value.properties) {
      const inner = ts.isPropertyAssignment(property) ? property.initializer : ts.isShorthandPropertyAssignment(property) ? property.name : undefined;
      const found = inner && describeRequestScoped(checker, code, inner, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (depth < 3 && ts.isArrayLiteralExpression(value)) {
    for (const element of value.elements) {
      const found = describeRequestScoped(checker, code, ts.isSpreadElement(element) ? element.expression : element, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const type = checker.getTypeAtLocation(value);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return handlerParameter(checker, code, value);
  return describeType(checker, type, 0);
}

function describeType(checker: ts.TypeChecker, type: ts.Type, depth: number): string | undefined {
  if (depth > 3) return undefined;
  for (const part of type.isUnion() ? type.types : [type]) {
    const symbol = part.aliasSymbol ?? part.getSymbol();
    const name = symbol?.getName();
    if (name && isRequestScopedSymbol(symbol!, name)) return name === 'Env' ? 'env' : `${article(name)} ${name}`;
    if (name === 'Promise') {
      const awaited = checker.getAwaitedType(part);
      const inner = awaited && awaited !== part ? describeType(checker, awaited, depth + 1) : undefined;
      if (inner) return `a Promise<${inner.replace(/^(a|an) /, '')}>`;
    }
    if (checker.isArrayType(part)) {
      const element = checker.getTypeArguments(part as ts.TypeReference)[0];
      const inner = element && describeType(checker, element, depth + 1);
      if (inner) return `an array of ${inner.replace(/^(a|an) /, '')}s`;
    }
  }
  return undefined;
}

function isRequestScopedSymbol(symbol: ts.Symbol, name: string): boolean {
  if (!REQUEST_SCOPED_TYPES.has(name)) return false;
  const fromPackage = REQUEST_SCOPED_TYPES.get(name);
  if (!fromPackage) return true;
  return (symbol.declarations ?? []).some((d) => d.getSourceFile().fileName.split(/[\\/]/).includes(fromPackage));
}

/**
 * A handler's own parameter (`request`, `env`, `ctx`, `event`, a router's `c` or `request`) used as a value of
 * unknown type. Not the arguments of an RPC method of an entrypoint class: those are plain data.
 */
function handlerParameter(checker: ts.TypeChecker, code: PerRequestCode, value: ts.Expression): string | undefined {
  if (!ts.isIdentifier(value)) return undefined;
  const declaration = resolvedSymbol(checker, value)?.valueDeclaration;
  if (!declaration || !ts.isParameter(declaration)) return undefined;
  const root = code.roots.get(declaration.parent);
  if (!root) return undefined;
  if (root.kind === 'entrypoint' && !(ts.isMethodDeclaration(root.node) && ENTRYPOINT_HANDLERS.has(root.node.name.getText()))) return undefined;
  return `the handler's \`${value.text}\``;
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? 'an' : 'a';
}
