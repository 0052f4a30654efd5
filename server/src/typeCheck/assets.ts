/**
 * Where the checker reads its .d.ts files from. At run time these are the copies esbuild.mjs puts beside
 * dist/server.cjs (the VSIX ships no node_modules/typescript); tests running from source pass node_modules paths.
 */
import path from 'node:path';

export interface TypeCheckAssets {
  /** Folder holding TypeScript's lib.*.d.ts files. */
  libDir: string;
  /** The Workers types (@cloudflare/workers-types/index.d.ts). */
  workersTypes: string;
}

/** The assets beside the bundle (dist/typescript-lib, dist/types/workers-types.d.ts). */
export function bundledAssets(): TypeCheckAssets {
  if (typeof __dirname === 'undefined') throw new Error('bundledAssets() is only available in the bundled server (dist/server.cjs)');
  return { libDir: path.join(__dirname, 'typescript-lib'), workersTypes: path.join(__dirname, 'types', 'workers-types.d.ts') };
}

/** The same files from node_modules, for tests that run the sources directly. */
export function sourceTreeAssets(repoRoot: string): TypeCheckAssets {
  return {
    libDir: path.join(repoRoot, 'node_modules', 'typescript', 'lib'),
    workersTypes: path.join(repoRoot, 'node_modules', '@cloudflare', 'workers-types', 'index.d.ts'),
  };
}
