/**
 * Rule `node-builtin-without-compat` (error): a Node.js built-in imported (import, export … from, import(), require)
 * when the config does not give the worker Node.js compatibility, resolved as workerd does (nodeCompatibility.ts):
 * `node:*` needs nodejs_compat (node:async_hooks also works with nodejs_als alone); a built-in without the prefix
 * (`buffer`) needs nodejs_compat_v2 behaviour, and is flagged only when no package of that name is installed and the
 * config aliases none (the npm `buffer` polyfill is a real package). Only when the config sets a compatibility_date:
 * without one wrangler uses today's, which enables Node.js compatibility. Type-only imports are erased and not flagged.
 * Quick fix: add the flag to the config's compatibility_flags (the edit is in the config file).
 */
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { readConfig, readTextFromDisk } from '../../../common/workerProject.ts';
import { addCompatibilityFlag } from '../configEdits.ts';
import { NODEJS_COMPAT_DEFAULT_ON_DATE, NODEJS_COMPAT_V2_IMPLIED_DATE, nodeCompatibility, type NodeCompatibility } from './nodeCompatibility.ts';
import type { QuickFix, Rule, RuleContext, RuleDiagnostic } from './rule.ts';

export const NODE_BUILTIN_WITHOUT_COMPAT = 'node-builtin-without-compat';

/**
 * TypeScript's "Cannot find module 'node:buffer'" / "… install type definitions for node?" at the same specifier: while
 * the flag is missing that is a symptom of this, not a separate problem (once the flag is there, it is @types/node's).
 */
const RESTATED = [2307, 2591];

export const nodeBuiltinWithoutCompat: Rule = (context) => {
  const date = context.compatibilityDate;
  if (!context.configPath || !date) return [];
  const compat = nodeCompatibility(date, context.compatibilityFlags);
  if (compat.prefixed && compat.unprefixed && compat.asyncHooks) return [];
  const configName = path.basename(context.configPath);
  const diagnostics: RuleDiagnostic[] = [];
  let aliases: Set<string> | undefined;
  for (const specifier of runtimeImports(context.sourceFile)) {
    const name = specifier.text;
    const prefixed = name.startsWith('node:');
    if (prefixed) {
      if (name === 'node:async_hooks' ? compat.asyncHooks : compat.prefixed) continue;
    } else {
      if (!isBuiltin(name) || compat.unprefixed) continue;
      aliases ??= configAliases(context);
      if (aliases.has(name) || hasInstalledPackage(path.dirname(context.sourceFile.fileName), name)) continue;
    }
    const start = specifier.getStart(context.sourceFile);
    const flag = flagToAdd(name, date, context.compatibilityFlags);
    const fixes = flag ? fixAdding(flag, context) : [];
    diagnostics.push({
      code: NODE_BUILTIN_WITHOUT_COMPAT,
      start,
      length: specifier.getEnd() - start,
      message: `${describeMissing(name, compat, configName)} In production the import does not resolve: wrangler cannot bundle the worker, so it cannot be deployed.`,
      category: ts.DiagnosticCategory.Error,
      ...(fixes.length > 0 ? { fixes } : {}),
      restatesTypeScript: RESTATED,
    });
  }
  return diagnostics;
};

function describeMissing(name: string, compat: NodeCompatibility, configName: string): string {
  if (compat.optedOut) return `${name} is a Node.js built-in module, and ${configName} turns Node.js compatibility off (no_nodejs_compat).`;
  if (!name.startsWith('node:')) {
    return compat.prefixed
      ? `${name} is a Node.js built-in imported without the node: prefix, which needs nodejs_compat_v2 (or nodejs_compat with a compatibility_date of ${NODEJS_COMPAT_V2_IMPLIED_DATE} or later), and ${configName} enables only node:-prefixed imports.`
      : `${name} is a Node.js built-in imported without the node: prefix, and ${configName} does not enable Node.js compatibility (nodejs_compat with a compatibility_date of ${NODEJS_COMPAT_V2_IMPLIED_DATE} or later, or nodejs_compat_v2).`;
  }
  const flags = name === 'node:async_hooks' ? 'nodejs_compat or nodejs_als' : 'nodejs_compat';
  return `${name} is a Node.js built-in module, and ${configName} does not enable Node.js compatibility (no ${flags} in compatibility_flags, compatibility_date before ${NODEJS_COMPAT_DEFAULT_ON_DATE}).`;
}

/** The one flag that makes `name` resolve, when adding a flag can (not when the config opted out on purpose). */
function flagToAdd(name: string, date: string, flags: readonly string[]): string | undefined {
  const candidate = !name.startsWith('node:') && date < NODEJS_COMPAT_V2_IMPLIED_DATE ? 'nodejs_compat_v2' : 'nodejs_compat';
  if (flags.includes(candidate) || flags.includes(`no_${candidate}`) || flags.includes('no_nodejs_compat')) return undefined;
  const after = nodeCompatibility(date, [...flags, candidate]);
  const works = name === 'node:async_hooks' ? after.asyncHooks : name.startsWith('node:') ? after.prefixed : after.unprefixed;
  return works ? candidate : undefined;
}

function fixAdding(flag: string, context: RuleContext): QuickFix[] {
  const configPath = context.configPath!;
  const text = context.readText ? context.readText(configPath) : readTextFromDisk(configPath);
  if (text === undefined) return [];
  const edit = addCompatibilityFlag(configPath, text, flag);
  return edit ? [{ title: `Add ${flag} to compatibility_flags in ${path.basename(configPath)}`, edits: [{ file: configPath, ...edit }] }] : [];
}

/** Module specifiers the bundled worker loads at run time (not `import type`, not `export type`). */
function runtimeImports(sourceFile: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly && ts.isStringLiteralLike(node.moduleSpecifier)) found.push(node.moduleSpecifier);
      return;
    }
    if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) found.push(node.moduleSpecifier);
      return;
    }
    if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
        found.push(node.moduleReference.expression);
      }
      return;
    }
    const argument = ts.isCallExpression(node) ? node.arguments[0] : undefined;
    if (argument && ts.isStringLiteralLike(argument)) {
      const callee = (node as ts.CallExpression).expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push(argument);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Module names the config's `alias` maps to something else. */
function configAliases(context: RuleContext): Set<string> {
  try {
    const alias = readConfig(context.configPath!, context.readText ? { readText: context.readText } : {}).raw.alias;
    return new Set(alias && typeof alias === 'object' ? Object.keys(alias) : []);
  } catch {
    return new Set();
  }
}

/** An npm package of that name is installed where the bundler would find it (node_modules up the folders). */
function hasInstalledPackage(fromDir: string, name: string): boolean {
  const packageName = name.split('/')[0]!;
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', packageName, 'package.json'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}
