// Shared by `npm start` and `npm test`: make sure this process runs on Node >= 24 (re-running itself on one when not),
// that dependencies are installed (npm ci when the lockfile changed) and that the bundles are built.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Re-runs the current script on a Node >= 24 (installed by scripts/provision.sh into the user cache if need be). */
export function ensureNode24() {
  if (Number(process.versions.node.split('.')[0]) >= 24) return;
  console.error(`[bootstrap] Node ${process.versions.node} is too old for Worker Studio (needs >= 24); finding or installing Node 24…`);
  const node = execFileSync('bash', [path.join(root, 'scripts/provision.sh'), 'node'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const nodeDir = path.dirname(path.dirname(node));
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: nodeDir };
  const result = spawnSync(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(result.status ?? 1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`[bootstrap] ${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.status}`})`);
    process.exit(result.status || 1);
  }
}

/** npm ci when node_modules is missing or older than the lockfile. */
export function ensureInstalled() {
  const marker = path.join(root, 'node_modules/.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('[bootstrap] installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, npm_config_nodedir: path.dirname(path.dirname(process.execPath)) } });
}

export function build(extraArgs = []) {
  run(process.execPath, [path.join(root, 'esbuild.mjs'), ...extraArgs]);
}

export function bootstrap() {
  ensureNode24();
  ensureInstalled();
  build();
}
