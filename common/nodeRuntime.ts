/**
 * Finds a Node.js >= 24 to run the runtime sidecar on (isolated-vm 7 loads only there).
 * Used by the CLI and by the extension, so both look in the same places in the same order.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MIN_NODE_MAJOR = 24;

export interface NodeCandidate {
  path: string;
  /** Where the candidate came from, for messages: "setting workerStudio.nodePath", "PATH", … */
  source: string;
}

export interface FoundNode {
  path: string;
  version: string;
  source: string;
}

/** What the search looks at: this process and its environment (a parameter so tests can stand in another host). */
export interface SearchContext {
  env: NodeJS.ProcessEnv;
  execPath: string;
  versions: NodeJS.ProcessVersions;
}

const thisProcess: SearchContext = { env: process.env, execPath: process.execPath, versions: process.versions };

/**
 * Worker Studio's per-user cache root: `WORKER_STUDIO_CACHE`, else `~/.cache/worker-studio`. Holds the managed Node
 * install and the runtime's V8 code cache (`v8cache/`).
 */
export function workerStudioCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKER_STUDIO_CACHE || path.join(os.homedir(), '.cache', 'worker-studio');
}

/** Where `scripts/provision.sh node` (and the README's quick start) puts a Node 24 when the machine has none. */
export function managedNodePath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = workerStudioCacheRoot(env);
  const bin = process.platform === 'win32' ? 'node.exe' : path.join('bin', 'node');
  return path.join(cache, 'node24', 'node_modules', `node-${process.platform}-${process.arch}`, bin);
}

/** True when the process is a plain Node (not Electron) new enough to host the sidecar itself. */
export function currentProcessIsUsable(context: SearchContext = thisProcess): boolean {
  return !context.versions.electron && majorOf(context.versions.node) >= MIN_NODE_MAJOR;
}

function majorOf(version: string): number {
  return Number.parseInt(version.replace(/^v/, '').split('.')[0] ?? '0', 10);
}

function versionOf(nodePath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(nodePath, ['-p', 'process.versions.node'], { timeout: 10_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim());
    });
  });
}

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  const exe = process.platform === 'win32' ? 'node.exe' : 'node';
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Candidates in order: an explicit path (setting or WORKER_STUDIO_NODE), this process when it is a real Node >= 24,
 * the managed install, then `node` on PATH.
 */
export function nodeCandidates(explicit?: NodeCandidate, context: SearchContext = thisProcess): NodeCandidate[] {
  const list: NodeCandidate[] = [];
  if (explicit) list.push(explicit);
  if (context.env.WORKER_STUDIO_NODE) list.push({ path: context.env.WORKER_STUDIO_NODE, source: 'WORKER_STUDIO_NODE' });
  if (currentProcessIsUsable(context)) list.push({ path: context.execPath, source: 'this process' });
  list.push({ path: managedNodePath(context.env), source: 'managed install' });
  const fromPath = onPath(context.env);
  if (fromPath) list.push({ path: fromPath, source: 'PATH' });
  return list;
}

export class NodeNotFoundError extends Error {
  readonly tried: { candidate: NodeCandidate; version?: string }[];
  constructor(tried: { candidate: NodeCandidate; version?: string }[], env: NodeJS.ProcessEnv = process.env) {
    const lines = tried.map(({ candidate, version }) => `  ${candidate.source}: ${candidate.path} (${version ? `v${version}` : 'not found'})`);
    super(
      `Worker Studio needs Node.js >= ${MIN_NODE_MAJOR} to run workers (isolated-vm 7 loads only there). Tried:\n${lines.join('\n')}\n` +
        `Install Node ${MIN_NODE_MAJOR}+ and put it on PATH, set the "workerStudio.nodePath" setting (or WORKER_STUDIO_NODE), ` +
        `or run \`scripts/provision.sh node\` from the Worker Studio repository to install one into ${path.dirname(path.dirname(managedNodePath(env)))}.`,
    );
    this.name = 'NodeNotFoundError';
    this.tried = tried;
  }
}

/** The first candidate that runs and reports a major version >= 24. */
export async function findNode(explicit?: NodeCandidate, context: SearchContext = thisProcess): Promise<FoundNode> {
  const tried: { candidate: NodeCandidate; version?: string }[] = [];
  for (const candidate of nodeCandidates(explicit, context)) {
    if (candidate.path === context.execPath && currentProcessIsUsable(context)) {
      return { path: candidate.path, version: context.versions.node, source: candidate.source };
    }
    const version = existsSync(candidate.path) ? await versionOf(candidate.path) : undefined;
    tried.push(version === undefined ? { candidate } : { candidate, version });
    if (version && majorOf(version) >= MIN_NODE_MAJOR) return { path: candidate.path, version, source: candidate.source };
  }
  throw new NodeNotFoundError(tried, context.env);
}
