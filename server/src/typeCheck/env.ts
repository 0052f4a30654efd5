/**
 * The `Env` type of a worker, generated from its config's bindings (common/bindings.ts) in the shape `wrangler types`
 * writes: `declare namespace Cloudflare { interface Env { … } }` plus `interface Env extends Cloudflare.Env {}`, and
 * for a service-worker script (an entry with no exports) the bindings as globals. Used twice, so the two never differ:
 * as the virtual declarations injected into every worker program (with the alias the handler-type rule checks
 * against), and as the file `worker-studio types` writes.
 */
import path from 'node:path';
import ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';

/** Name of the alias (declared in the virtual file) for `ExportedHandler<Env>`; the handler-type rule looks it up. */
export const EXPECTED_HANDLER_ALIAS = '__WorkerStudioExpectedHandler';

/** File name of the virtual declarations, inside the project root so it never clashes with user files on disk. */
export const ENV_FILE_NAME = '__worker-studio-env.d.ts';

/** What the declarations need to know about the worker's entry module. */
export interface EntryShape {
  /** The entry exports nothing: a service-worker script, whose bindings are globals rather than `env` members. */
  serviceWorker: boolean;
  /** The values it exports by name (a Durable Object class exported from the entry gets a typed namespace). */
  exports: ReadonlySet<string>;
}

export interface EnvEntry {
  shape: EntryShape;
  /** How the declarations file imports the entry (`./src/index`). */
  specifier: string;
}

/** The entry's format and exports, read from its syntax (as wrangler reads the bundle's exports). */
export function entryShape(sourceFile: ts.SourceFile): EntryShape {
  const exports = new Set<string>();
  let exportsSomething = false;
  for (const statement of sourceFile.statements) {
    if (ts.isExportAssignment(statement)) {
      exportsSomething = true;
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      exportsSomething = true;
      if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) if (!element.isTypeOnly) exports.add(element.name.text);
      }
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
      exportsSomething = true;
      if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) exports.add(statement.name.text);
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) exports.add(declaration.name.text);
      }
    }
  }
  return { serviceWorker: !exportsSomething, exports };
}

/** How `fromFile` imports `toFile`: relative, extension dropped, `./` for the same or a deeper folder (as wrangler writes it). */
export function importSpecifier(fromFile: string, toFile: string): string {
  const relative = path.relative(path.dirname(fromFile), path.dirname(toFile)).split(path.sep).join('/');
  const base = path.basename(toFile, path.extname(toFile));
  if (!relative) return `./${base}`;
  return relative.startsWith('..') ? `${relative}/${base}` : `./${relative}/${base}`;
}

/** The type `env.<name>` has: the binding's, with a Durable Object namespace typed by its class when the entry exports it. */
export function bindingType(binding: BindingDeclaration, entry: EnvEntry | undefined): string {
  if (binding.kind !== 'durableObject' || !binding.className) return binding.type;
  if (entry && !binding.scriptName && entry.shape.exports.has(binding.className)) {
    return `DurableObjectNamespace<import(${JSON.stringify(entry.specifier)}).${binding.className}>`;
  }
  return `DurableObjectNamespace /* ${binding.className}${binding.scriptName ? ` from ${binding.scriptName}` : ''} */`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A property key as `wrangler types` writes it: bare when it is an identifier, quoted otherwise. */
function typeKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The declarations of `Env` (and, for a service-worker script, of the globals), without a header. */
export function envTypes(bindings: readonly BindingDeclaration[], entry: EnvEntry | undefined): string {
  const lines = ['declare namespace Cloudflare {', '  interface Env {'];
  for (const binding of bindings) lines.push(`    ${typeKey(binding.name)}: ${bindingType(binding, entry)};`);
  lines.push('  }', '}', 'interface Env extends Cloudflare.Env {}');
  if (entry?.shape.serviceWorker) {
    const globals = bindings.filter((b) => IDENTIFIER.test(b.name));
    if (globals.length > 0) lines.push('', '// A service-worker script sees its bindings as globals.');
    for (const binding of globals) lines.push(`declare const ${binding.name}: ${bindingType(binding, entry)};`);
  }
  return `${lines.join('\n')}\n`;
}

/** The virtual file of a worker program: Env, and the expected handler type. */
export function envDeclaration(bindings: readonly BindingDeclaration[], entry: EnvEntry | undefined): string {
  return ['// Generated by Worker Studio from the wrangler config.', envTypes(bindings, entry), `type ${EXPECTED_HANDLER_ALIAS} = ExportedHandler<Env>;`, ''].join('\n');
}
