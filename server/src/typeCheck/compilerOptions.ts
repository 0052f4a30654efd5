/**
 * Compiler options for a worker program: Workers-like defaults (ES2023, no DOM, bundler resolution, strict),
 * merged with the user's tsconfig.json (or jsconfig.json) when the project has one (between the entry's folder and the
 * project root).
 * With a config, strictness is the config's (strict unless it says otherwise, as TypeScript 6 does); without one a
 * JavaScript entry is checked as VS Code checks loose JS files (strictNullChecks and strictFunctionTypes, not
 * noImplicitAny: JS has no annotations to satisfy it).
 * JavaScript gets lint rules always and type errors only where the user asks: `// @ts-check` in a file, or `checkJs` in
 * their config (`checkJs` stays false otherwise).
 * Options that would fight the Workers environment are overridden: lib (no DOM), types (the Workers types are a root
 * file instead, so `types: ["@cloudflare/workers-types"]` needs no node_modules), module resolution (wrangler bundles
 * with esbuild) and emit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const DEFAULT_LIB = ['lib.es2023.d.ts'];
/** Libs whose globals clash with the Workers types. */
const DOM_LIB = /^lib\.(dom|webworker|scripthost)\b/;

export interface ResolvedCompilerOptions {
  options: ts.CompilerOptions;
  /** The tsconfig.json the options came from, when there is one. */
  tsconfigPath?: string;
}

export function defaultCompilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2023,
    lib: [...DEFAULT_LIB],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    allowJs: true,
    checkJs: false,
    skipLibCheck: true,
    noEmit: true,
    // wrangler's esbuild resolves `./x.ts` imports; with noEmit TypeScript can allow them too.
    allowImportingTsExtensions: true,
    types: [],
    isolatedModules: true,
    resolveJsonModule: true,
  };
}

/** The options VS Code gives JavaScript files that no tsconfig/jsconfig covers. */
function looseJavaScriptOptions(): ts.CompilerOptions {
  return { ...defaultCompilerOptions(), strict: false, strictNullChecks: true, strictFunctionTypes: true };
}

/** The tsconfig.json (or else jsconfig.json) nearest to `fromDir`, not looking above `root`. */
export function findTsconfig(fromDir: string, root: string): string | undefined {
  let dir = path.resolve(fromDir);
  const stop = path.resolve(root);
  for (;;) {
    const candidate = ['tsconfig.json', 'jsconfig.json'].map((name) => path.join(dir, name)).find((file) => existsSync(file));
    if (candidate) return candidate;
    if (dir === stop || !dir.startsWith(stop)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function resolveCompilerOptions(entryDir: string, root: string, { javascriptEntry = false }: { javascriptEntry?: boolean } = {}): ResolvedCompilerOptions {
  const tsconfigPath = findTsconfig(entryDir, root);
  const defaults = javascriptEntry ? looseJavaScriptOptions() : defaultCompilerOptions();
  if (!tsconfigPath) return { options: defaults };
  const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (read.error) return { options: defaults, tsconfigPath };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfigPath), undefined, tsconfigPath);
  const user = parsed.options;
  const lib = (user.lib ?? DEFAULT_LIB).map((l) => path.basename(l)).filter((l) => !DOM_LIB.test(l));
  const options: ts.CompilerOptions = {
    ...defaultCompilerOptions(),
    ...user,
    lib: lib.length > 0 ? lib : [...DEFAULT_LIB],
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    skipLibCheck: true,
    allowJs: true,
    allowImportingTsExtensions: true,
  };
  delete options.typeRoots;
  delete options.outDir;
  delete options.declarationDir;
  delete options.composite;
  delete options.incremental;
  delete options.tsBuildInfoFile;
  return { options, tsconfigPath };
}
