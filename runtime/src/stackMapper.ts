/**
 * Rewrites stack traces from the bundle's positions to the user's sources, through the bundle's inline source map,
 * so a worker exception (the 500 body, the log) points at `src/index.ts:LINE:COL` rather than the virtual bundle.
 * Frames of the runtime itself (the prelude, the host side of isolated-vm) are dropped: they are noise to the user.
 */
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

export type StackMapper = (text: string) => string;

export const PRELUDE_FILENAME = 'worker-studio:prelude.js';
/** The module that imports the worker's (see workerIsolate.ts): no frame of the user's is in it. */
export const LOADER_FILENAME = 'worker-studio:loader.js';

function dropRuntimeFrames(text: string): string {
  const lines = text.split('\n');
  const boundary = lines.findIndex((l) => l.includes('<isolated-vm boundary>'));
  return (boundary < 0 ? lines : lines.slice(0, boundary)).filter((l) => !(l.trimStart().startsWith('at ') && l.includes(PRELUDE_FILENAME))).join('\n');
}

/** The first `path:line:column` of a user frame in a mapped stack. */
export function firstLocation(stack: string): { file: string; line: number; column: number } | undefined {
  const match = /^\s*at (?:.*\()?(\/[^()\s]+?):(\d+):(\d+)\)?$/m.exec(stack);
  return match ? { file: match[1] as string, line: Number(match[2]), column: Number(match[3]) } : undefined;
}

/** Rewrites the frames of one bundle (`url:line:col`) to the user's source; other text is left as it is. */
function bundleFrames(code: string, url: string): StackMapper {
  const match = INLINE_MAP.exec(code);
  if (!match) return (text) => text;
  const map = new SourceMap(JSON.parse(Buffer.from(match[1] as string, 'base64').toString('utf8')) as SourceMapPayload);
  const bundleDir = path.dirname(fileURLToPath(url.replace(/\?.*$/, '')));
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g');
  return (text) =>
    text.replace(frame, (whole, line: string, column: string) => {
      const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
      if (!('originalSource' in entry) || !entry.originalSource) return whole;
      const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : path.resolve(bundleDir, entry.originalSource);
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

/** How many builds back stacks are still mapped: requests in flight during a reload finish on the code they began on. */
const KEPT_BUILDS = 4;

/**
 * The stack mapper of a sidecar that reloads: maps frames of the newest builds (each build has its own URL,
 * `bundle.js?v=N`), so a log line from a request still running on an older build maps as well as one from the new.
 */
export class BuildStacks {
  #builds: StackMapper[] = [];

  /** A new build, before its code first runs (its top-level console output is mapped too). */
  add(code: string, url: string): void {
    this.#builds = [bundleFrames(code, url), ...this.#builds].slice(0, KEPT_BUILDS);
  }

  readonly map: StackMapper = (text) => this.#builds.reduce((mapped, frames) => frames(mapped), dropRuntimeFrames(text));
}
