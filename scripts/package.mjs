// `npm run package`: production bundles, then a platform-specific VSIX: worker-studio-<version>.vsix (vsce target linux-x64,
// or WORKER_STUDIO_VSIX_TARGET). The VSIX contents come from .vscodeignore (an allowlist); see scripts/vsix.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkVsixEntries, packageVsix } from './vsix.ts';

const root = path.resolve(import.meta.dirname, '..');
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const target = process.env.WORKER_STUDIO_VSIX_TARGET ?? 'linux-x64';

const t0 = performance.now();
console.log('[package] node esbuild.mjs --production');
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });

const out = path.join(root, `${name}-${version}.vsix`);
const { entries, bytes } = await packageVsix({ root, out, target });
const problems = checkVsixEntries(entries, target);
console.log(`[package] ${path.relative(root, out)} (${target}): ${entries.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (problems.length) {
  console.error(`[package] the VSIX is wrong:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
