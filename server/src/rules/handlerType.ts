/**
 * Rule `handler-type`: the entry's default export is checked against `ExportedHandler<Env>` even when the author wrote
 * no `satisfies`. Each handler property (every property of ExportedHandler: fetch, scheduled, queue, email, tail…)
 * whose type is not assignable to the expected one gets an error on its name, saying in one sentence what is expected.
 */
import ts from 'typescript';
import { EXPECTED_HANDLER_ALIAS } from '../typeCheck/env.ts';
import type { RuleDiagnostic } from './rule.ts';

export type { RuleDiagnostic } from './rule.ts';

export const HANDLER_TYPE = 'handler-type';


export interface HandlerTypeResult {
  diagnostics: RuleDiagnostic[];
  /**
   * Ranges (offsets) where TypeScript's own assignability errors repeat a handler-type error: the flagged properties
   * and the `satisfies` type of the default export. The caller drops TS errors starting there.
   */
  covered: { start: number; end: number }[];
}

/** One more sentence about why Workers cares, by handler and by kind of mismatch. */
const WHY: Record<string, { returns?: string; parameter?: string }> = {
  fetch: {
    returns: 'Workers rejects a fetch handler whose result is not a Response.',
    parameter: 'Workers calls fetch(request, env, ctx) with the incoming Request.',
  },
  scheduled: { parameter: 'Workers calls scheduled(controller, env, ctx) for each Cron Trigger.' },
  queue: { parameter: 'Workers calls queue(batch, env, ctx) with a batch of queue messages.' },
  email: { parameter: 'Workers calls email(message, env, ctx) for each incoming email.' },
  tail: { parameter: 'Workers calls tail(events, env, ctx) with the trace events of the producer workers.' },
};

export function checkHandlerType(program: ts.Program, sourceFile: ts.SourceFile, envFileName: string): HandlerTypeResult {
  const result: HandlerTypeResult = { diagnostics: [], covered: [] };
  const checker = program.getTypeChecker();
  const expected = expectedHandlerType(program, checker, envFileName);
  const target = findDefaultExport(sourceFile, checker);
  if (!expected || !target) return result;

  const actual = checker.getTypeAtLocation(target.objectNode ?? target.expression);
  if (actual.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return result;

  for (const expectedProp of checker.getPropertiesOfType(expected)) {
    const name = expectedProp.getName();
    const actualProp = checker.getPropertyOfType(actual, name);
    if (!actualProp) continue;
    const actualType = checker.getTypeOfSymbol(actualProp);
    const expectedType = checker.getNonNullableType(checker.getTypeOfSymbol(expectedProp));
    if (checker.isTypeAssignableTo(actualType, expectedType)) continue;

    const declaration = actualProp.declarations?.find((d) => d.getSourceFile() === sourceFile);
    const nameNode: ts.Node = (declaration && ts.getNameOfDeclaration(declaration)) ?? target.expression;
    const start = nameNode.getStart(sourceFile);
    result.diagnostics.push({
      code: HANDLER_TYPE,
      start,
      length: nameNode.getEnd() - start,
      message: describeMismatch(checker, name, actualType, expectedType),
      category: ts.DiagnosticCategory.Error,
    });
    result.covered.push({ start: (declaration ?? nameNode).getStart(sourceFile), end: (declaration ?? nameNode).getEnd() });
  }
  if (result.diagnostics.length > 0) {
    for (const node of target.satisfiesTypes) result.covered.push({ start: node.getStart(sourceFile), end: node.getEnd() });
  }
  return result;
}

/** `ExportedHandler<Env>`, through the alias declared in the virtual Env file. */
function expectedHandlerType(program: ts.Program, checker: ts.TypeChecker, envFileName: string): ts.Type | undefined {
  const envFile = program.getSourceFile(envFileName);
  const alias = envFile?.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === EXPECTED_HANDLER_ALIAS);
  return alias && checker.getTypeFromTypeNode(alias.type);
}

interface DefaultExport {
  /** The exported expression as written (where errors go when no property is found in this file). */
  expression: ts.Node;
  /** The object literal the handlers are declared in, when it is in this file. */
  objectNode: ts.ObjectLiteralExpression | undefined;
  /** `satisfies T` types applied to the export or to the variable it names. */
  satisfiesTypes: ts.TypeNode[];
}

/** `export default {…}`, `export default obj`, `export { obj as default }`, each with or without `satisfies`/`as`. */
export function findDefaultExport(sourceFile: ts.SourceFile, checker: ts.TypeChecker): DefaultExport | undefined {
  let exported: ts.Expression | undefined;
  for (const statement of sourceFile.statements) {
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) exported = statement.expression;
    else if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      const specifier = statement.exportClause.elements.find((e) => e.name.text === 'default');
      if (specifier) exported = specifier.propertyName && ts.isIdentifier(specifier.propertyName) ? specifier.propertyName : specifier.name;
    }
  }
  if (!exported) return undefined;
  const satisfiesTypes: ts.TypeNode[] = [];
  let inner = unwrap(exported, satisfiesTypes);
  if (ts.isIdentifier(inner)) {
    let symbol = checker.getSymbolAtLocation(inner);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && declaration.getSourceFile() === sourceFile) {
      inner = unwrap(declaration.initializer, satisfiesTypes);
    } else if (!declaration || !ts.isVariableDeclaration(declaration)) {
      return undefined; // a class, a function or an import: not a handler object this rule understands yet
    }
  }
  if (ts.isFunctionLike(inner) || ts.isClassLike(inner)) return undefined;
  return { expression: exported, objectNode: ts.isObjectLiteralExpression(inner) ? inner : undefined, satisfiesTypes };
}

function unwrap(expression: ts.Expression, satisfiesTypes: ts.TypeNode[]): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression)) expression = expression.expression;
    else if (ts.isSatisfiesExpression(expression)) {
      satisfiesTypes.push(expression.type);
      expression = expression.expression;
    } else if (ts.isAsExpression(expression) || ts.isTypeAssertionExpression(expression)) expression = expression.expression;
    else return expression;
  }
}

function describeMismatch(checker: ts.TypeChecker, name: string, actual: ts.Type, expected: ts.Type): string {
  const show = (t: ts.Type) => checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
  const why = WHY[name] ?? {};
  const sentence = (first: string, second: string | undefined) => (second ? `${first} ${second}` : first);
  const expectedSignature = checker.getSignaturesOfType(expected, ts.SignatureKind.Call)[0];
  const actualSignatures = checker.getSignaturesOfType(actual, ts.SignatureKind.Call);
  if (expectedSignature && actualSignatures.length === 0) {
    return `${name} handler must be a function ${checker.signatureToString(expectedSignature)}, but is ${show(actual)}.`;
  }
  const actualSignature = actualSignatures[0];
  if (expectedSignature && actualSignature && actualSignatures.length === 1) {
    const expectedReturn = expectedSignature.getReturnType();
    const actualReturn = actualSignature.getReturnType();
    if (!checker.isTypeAssignableTo(actualReturn, expectedReturn)) {
      return sentence(`${name} handler must return ${show(expectedReturn)}, but returns ${show(actualReturn)}.`, why.returns);
    }
    const expectedParams = expectedSignature.getParameters();
    const actualParams = actualSignature.getParameters();
    const required = actualParams.filter((p) => !isOptionalParameter(p)).length;
    if (required > expectedParams.length) {
      const names = expectedParams.map((p) => p.getName()).join(', ');
      return `${name} handler receives ${expectedParams.length} arguments (${names}), but declares ${required} required parameters.`;
    }
    for (let i = 0; i < Math.min(expectedParams.length, actualParams.length); i++) {
      const expectedParam = checker.getTypeOfSymbol(expectedParams[i]!);
      const actualParam = checker.getTypeOfSymbol(actualParams[i]!);
      if (!checker.isTypeAssignableTo(expectedParam, actualParam)) {
        return sentence(
          `${name} handler's parameter ${actualParams[i]!.getName()} (#${i + 1}) must accept ${show(expectedParam)}, but is declared as ${show(actualParam)}.`,
          why.parameter,
        );
      }
    }
  }
  return `${name} handler must be ${show(expected)}, but is ${show(actual)}.`;
}

function isOptionalParameter(symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration;
  return !!declaration && ts.isParameter(declaration) && (!!declaration.questionToken || !!declaration.initializer || !!declaration.dotDotDotToken);
}
