// One build script, one esbuild context per bundle. `node esbuild.mjs [--watch] [--production]`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** @type {esbuild.BuildOptions} */
const nodeDefaults = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's `main` is a UMD build whose dynamic require('./impl/format') esbuild cannot follow; its ESM build bundles.
  mainFields: ['module', 'main'],
};

/** Redirects a few of whatwg-url's imports to the prelude's own shims. @returns {esbuild.Plugin} */
function preludeShims() {
  const shims = path.join(root, 'runtime/isolate/shims');
  const redirects = {
    '@exodus/bytes/encoding.js': 'empty.ts',
    '@exodus/bytes/whatwg.js': 'exodusWhatwg.ts',
  };
  return {
    name: 'prelude-shims',
    setup(build) {
      build.onResolve({ filter: /^@exodus\/bytes\/(encoding|whatwg)\.js$/ }, (args) => ({ path: path.join(shims, redirects[args.path]) }));
      build.onResolve({ filter: /^tr46$/ }, () => ({ path: path.join(shims, 'tr46.cjs') }));
      // A string handed to JSON.parse on first use scans far faster than a 190 KB array literal in every context.
      build.onLoad({ filter: /[\\/]tr46[\\/]lib[\\/]mappingTable\.json$/ }, (args) => ({
        contents: `module.exports = JSON.parse(${JSON.stringify(readFileSync(args.path, 'utf8'))});`,
        loader: 'js',
      }));
      build.onResolve({ filter: /^\.\/encoding$/ }, (args) =>
        args.importer.includes(`${path.sep}whatwg-url${path.sep}`) ? { path: path.join(shims, 'whatwgUrlEncoding.ts') } : undefined,
      );
    },
  };
}

/** @type {Record<string, esbuild.BuildOptions>} */
const bundles = {
  // The extension: runs in the VS Code extension host, the only code that imports `vscode`.
  client: { ...nodeDefaults, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.cjs', external: ['vscode'] },
  // The language server: LSP over stdio/IPC; also exports the `check` entry the CLI uses. Bundles TypeScript.
  server: { ...nodeDefaults, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.cjs' },
  // The runtime sidecar: Node >= 24 only. isolated-vm is a native addon and esbuild runs its own binary: both stay external.
  runtime: { ...nodeDefaults, target: 'node24', entryPoints: ['runtime/src/main.ts'], outfile: 'dist/runtime.cjs', external: ['isolated-vm', 'esbuild'] },
  // The web platform inside each isolate, evaluated before the worker: a plain script for a bare V8 context.
  // whatwg-url's UTF-8-only needs are served by shims (runtime/isolate/shims): its encoding helpers read globals at load
  // time, @exodus/bytes would add ~400 KB of legacy-encoding tables the URL API never uses, and tr46's tables load lazily.
  prelude: { bundle: true, platform: 'neutral', format: 'iife', target: 'es2023', entryPoints: ['runtime/isolate/prelude.ts'], outfile: 'dist/prelude.js', sourcemap: false, minify: production, logLevel: 'warning', mainFields: ['module', 'main'], plugins: [preludeShims()] },
  // The CLI (bin/worker-studio): argument parsing; loads server.cjs / spawns runtime.cjs.
  cli: { ...nodeDefaults, entryPoints: ['cli/main.ts'], outfile: 'dist/cli.cjs', define: { VERSION: JSON.stringify(version) } },
  // The request panel's script, for the webview (a browser).
  webview: { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['client/webview/main.ts'], outfile: 'dist/webview.js', sourcemap: production ? false : 'inline', minify: production, logLevel: 'warning' },
  // The E2E suite, loaded by the extension host (mocha stays external: it is a devDependency resolved from node_modules).
  e2e: { ...nodeDefaults, entryPoints: ['test/e2e/suite/index.ts'], outfile: 'dist/test/e2e/index.cjs', external: ['vscode', 'mocha'] },
};

/** Files the bundles read at run time: the Workers types and TypeScript's lib files for the in-memory checker. */
function copyAssets() {
  const types = path.join(dist, 'types');
  mkdirSync(types, { recursive: true });
  cpSync(path.join(root, 'node_modules/@cloudflare/workers-types/index.d.ts'), path.join(types, 'workers-types.d.ts'));
  const tsLib = path.join(root, 'node_modules/typescript/lib');
  const tsLibOut = path.join(dist, 'typescript-lib');
  mkdirSync(tsLibOut, { recursive: true });
  for (const file of readdirSync(tsLib)) {
    if (/^lib\..*\.d\.ts$/.test(file)) cpSync(path.join(tsLib, file), path.join(tsLibOut, file));
  }
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const selected = Object.entries(bundles).filter(([name]) => only.length === 0 || only.includes(name));

copyAssets();
const contexts = await Promise.all(selected.map(([, options]) => esbuild.context({ absWorkingDir: root, ...options })));
if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  console.log(`watching ${selected.map(([n]) => n).join(', ')}`);
} else {
  try {
    await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
}
