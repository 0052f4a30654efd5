/**
 * Packaging the extension as a VSIX, shared by `npm run package` (scripts/package.mjs, production build) and the E2E
 * runner's install check (test/e2e/vsixCheck.ts, packages whatever is built). Builds nothing itself.
 *
 * What ships is decided by `.vscodeignore` (an allowlist). The bundles in dist/ are self-contained except for the
 * runtime sidecar's external modules (isolated-vm: a native addon; esbuild: runs its own binary), which must ship
 * under node_modules/. vsce only collects node_modules through `npm list --production` (with `--no-dependencies`
 * it skips node_modules entirely), and esbuild is a devDependency of the repo; so we package from a staging folder
 * whose package.json lists exactly those runtime modules as dependencies. The VSIX is platform-specific
 * (isolated-vm prebuilds, @esbuild/<platform> binary): `target` defaults to linux-x64.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVSIX } from '@vscode/vsce';

/** Runtime modules the sidecar loads from node_modules (dist/runtime.cjs keeps them external), with what they pull in. */
export const RUNTIME_DEPENDENCIES = ['isolated-vm', 'esbuild'];
const TRANSITIVE: Record<string, string[]> = {
  'isolated-vm': ['node-gyp-build'],
  esbuild: [], // plus @esbuild/<platform>, added per target
};

/** vsce target -> the esbuild platform package. */
const ESBUILD_PLATFORM: Record<string, string> = {
  'linux-x64': '@esbuild/linux-x64',
  'linux-arm64': '@esbuild/linux-arm64',
  'darwin-arm64': '@esbuild/darwin-arm64',
  'darwin-x64': '@esbuild/darwin-x64',
  'win32-x64': '@esbuild/win32-x64',
};

export interface PackageOptions {
  /** Repository root (holds package.json, dist/, node_modules/). */
  root: string;
  /** Output .vsix path. */
  out: string;
  /** vsce target; default linux-x64. */
  target?: string;
}

export interface PackageResult {
  vsix: string;
  /** Entry names inside the VSIX (zip). */
  entries: string[];
  bytes: number;
}

export async function packageVsix({ root, out, target = 'linux-x64' }: PackageOptions): Promise<PackageResult> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const esbuildPlatform = ESBUILD_PLATFORM[target];
  if (!esbuildPlatform) throw new Error(`unsupported target ${target} (known: ${Object.keys(ESBUILD_PLATFORM).join(', ')})`);
  if (!existsSync(path.join(root, String(manifest.main ?? 'dist/client.cjs')))) {
    throw new Error(`${String(manifest.main)} is missing: build first (node esbuild.mjs [--production])`);
  }

  const stage = mkdtempSync(path.join(os.tmpdir(), 'worker-studio-vsix-'));
  try {
    // The manifest as shipped: dependencies = the runtime modules actually in the VSIX (pinned to the installed versions).
    const dependencies: Record<string, string> = {};
    for (const name of RUNTIME_DEPENDENCIES) dependencies[name] = installedVersion(root, name);
    // (A module also listed in devDependencies counts as dev for `npm list --production`: drop it there.)
    const devDependencies = { ...(manifest.devDependencies as Record<string, string> | undefined) };
    for (const name of RUNTIME_DEPENDENCIES) delete devDependencies[name];
    writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ ...manifest, dependencies, devDependencies }, null, 2) + '\n');

    for (const entry of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media', 'syntaxes']) {
      if (existsSync(path.join(root, entry))) cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    if (!existsSync(path.join(stage, '.vscodeignore'))) throw new Error('.vscodeignore is missing (the VSIX allowlist)');
    cpSync(path.join(root, 'dist'), path.join(stage, 'dist'), {
      recursive: true,
      filter: (src) => !src.startsWith(path.join(root, 'dist', 'test')),
    });
    const modules = [...RUNTIME_DEPENDENCIES, ...RUNTIME_DEPENDENCIES.flatMap((m) => TRANSITIVE[m] ?? []), esbuildPlatform];
    for (const name of modules) {
      const src = path.join(root, 'node_modules', name);
      if (!existsSync(src)) throw new Error(`node_modules/${name} is missing (npm ci first; for another target install ${esbuildPlatform})`);
      // isolated-vm ships prebuilds for every platform: keep only the target's.
      const prebuilds = path.join(src, 'prebuilds');
      cpSync(src, path.join(stage, 'node_modules', name), {
        recursive: true,
        dereference: true,
        filter: (file) => !(file.startsWith(prebuilds + path.sep) && !file.startsWith(path.join(prebuilds, target))),
      });
    }

    await createVSIX({
      cwd: stage,
      packagePath: out,
      target,
      dependencies: true, // npm list --production in the stage: exactly the modules above
      useYarn: false,
      allowMissingRepository: true,
      skipLicense: !existsSync(path.join(root, 'LICENSE')),
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const data = readFileSync(out);
  return { vsix: out, entries: zipEntries(data), bytes: data.length };
}

function installedVersion(root: string, name: string): string {
  const file = path.join(root, 'node_modules', name, 'package.json');
  if (!existsSync(file)) throw new Error(`node_modules/${name} is missing (npm ci first)`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Names in a zip's central directory (no dependency on an unzip binary). */
export function zipEntries(zip: Buffer): string[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`corrupt zip central directory at ${offset}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/**
 * What a VSIX must and must not contain; returns the problems (empty: fine).
 * `production`: no source maps expected either.
 */
export function checkVsixEntries(entries: string[], target = 'linux-x64'): string[] {
  const problems: string[] = [];
  const has = (name: string) => entries.includes(`extension/${name}`);
  const esbuildPlatform = ESBUILD_PLATFORM[target] ?? '@esbuild/linux-x64';
  for (const required of [
    'package.json',
    'dist/client.cjs',
    'dist/server.cjs',
    'dist/runtime.cjs',
    'dist/prelude.js',
    'dist/webview.js',
    'dist/webview.css',
    'node_modules/isolated-vm/package.json',
    'node_modules/isolated-vm/isolated-vm.js',
    'node_modules/node-gyp-build/package.json',
    'node_modules/esbuild/package.json',
    'node_modules/esbuild/lib/main.js',
    `node_modules/${esbuildPlatform}/package.json`,
  ]) {
    if (!has(required)) problems.push(`missing extension/${required}`);
  }
  const prebuildDir = `extension/node_modules/isolated-vm/prebuilds/${target}/`;
  if (!entries.some((e) => e.startsWith(prebuildDir) && e.endsWith('.node'))) problems.push(`no isolated-vm prebuild under ${prebuildDir}`);
  for (const entry of entries) {
    if (/^extension\/(test|client|server|runtime|common|cli|scripts|examples|\.ci|src)\//.test(entry)) problems.push(`source shipped: ${entry}`);
    else if (entry.startsWith('extension/dist/test/')) problems.push(`test bundle shipped: ${entry}`);
    else if (entry.endsWith('.map')) problems.push(`source map shipped: ${entry}`);
    else if (/^extension\/node_modules\/isolated-vm\/(src|vendor|native-example|scripts)\//.test(entry)) problems.push(`isolated-vm sources shipped: ${entry}`);
    else if (/\.tgz$/.test(entry)) problems.push(`tarball shipped: ${entry}`);
    else if (entry.startsWith('extension/node_modules/') && !/^extension\/node_modules\/(isolated-vm|node-gyp-build|esbuild|@esbuild\/[^/]+)\//.test(entry)) {
      problems.push(`unexpected module shipped: ${entry}`);
    }
  }
  return problems;
}
