/**
 * The runtime's private on-disk cache folder (the prelude's V8 code cache): `<cache root>/v8cache`, where the cache
 * root is the same per-user folder as the managed Node install (common/nodeRuntime.ts). Cached code is loaded into
 * isolates, so the folder is used only when it is provably ours: a real directory (not a symlink), owned by this
 * user, writable by nobody else. Anything else means no disk cache, never an error.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { workerStudioCacheRoot } from '../../common/nodeRuntime.ts';

/** `<WORKER_STUDIO_CACHE or ~/.cache/worker-studio>/v8cache` */
export function v8CacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(workerStudioCacheRoot(env), 'v8cache');
}

/** True when `dir` is a directory (lstat: not a symlink) owned by the current user with no group/other write bits. */
export function isPrivateDir(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return false;
    if (process.platform === 'win32') return true;
    return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Creates each missing level of `dir` with mode 0o700, one non-recursive mkdir at a time. Deliberately not
 * `recursive`: Node 24's recursive mkdir spins forever when a parent is under /proc (a sidecar with its cache there
 * was seen at 100% CPU). Throws when a level cannot be made.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      lstatSync(current);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.unshift(current);
    if (path.dirname(current) === current || missing.length > 32) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** The verified private cache folder, created when `create` and missing; undefined when it is not safe to use. */
export function privateCacheDir(create: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = v8CacheDir(env);
  if (create) {
    try {
      makeDirs(dir);
    } catch {
      return undefined;
    }
  }
  return isPrivateDir(dir) ? dir : undefined;
}
