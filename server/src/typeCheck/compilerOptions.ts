/**
 * Compiler options for a worker program: Workers-like defaults (ES2023, no DOM, bundler resolution, strict),
 * merged with the user's tsconfig.json when the project has one (between the entry's folder and the project root).
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

/** The tsconfig.json nearest to `fromDir`, not looking above `root`. */
export function findTsconfig(fromDir: string, root: string): string | undefined {
  let dir = path.resolve(fromDir);
  const stop = path.resolve(root);
  for (;;) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dir === stop || !dir.startsWith(stop)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function resolveCompilerOptions(entryDir: string, root: string): ResolvedCompilerOptions {
  const tsconfigPath = findTsconfig(entryDir, root);
  if (!tsconfigPath) return { options: defaultCompilerOptions() };
  const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (read.error) return { options: defaultCompilerOptions(), tsconfigPath };
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
