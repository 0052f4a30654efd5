/**
 * Bundles the worker's entry into one ES module with esbuild, in memory, the way wrangler/workerd resolve packages
 * (conditions workerd/worker/browser), with an inline source map carrying the sources so a debugger can show the
 * user's files without the bundle ever being written to disk.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { globalStateProbe } from './globalStateProbe.ts';

export interface WorkerBundle {
  code: string;
  /**
   * The URL the module is compiled under (V8's script URL, what a debugger sees):
   * `file:///<root>/.worker-studio/bundle.js?v=N`. The folder is virtual (nothing is written); it sits inside the project
   * so the source map's relative `sources` (`../src/index.ts`) resolve to the real files. `v` makes each build unique.
   */
  url: string;
  /** Absolute paths of the files the bundle was built from (what live reload watches). */
  inputs: string[];
}

/** A build problem, located in the user's source when esbuild knows where. */
export class BuildFailure extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(text: string, file?: string, line?: number, column?: number) {
    super(file ? `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${text}` : text);
    this.name = 'BuildFailure';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** Where the virtual bundle lives; esbuild computes the source map's `sources` relative to it. */
export function bundlePath(root: string): string {
  return path.join(root, '.worker-studio', 'bundle.js');
}

export function bundleUrl(root: string, version: number): string {
  return `${pathToFileURL(bundlePath(root)).href}?v=${version}`;
}

export async function bundleWorker(entry: string, root: string, version: number): Promise<WorkerBundle> {
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: root,
      outfile: bundlePath(root),
      write: false,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2023',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      // Runtime-provided modules: left as imports so loading reports them by name instead of a confusing resolve error.
      external: ['cloudflare:*', 'node:*'],
      sourcemap: 'inline',
      metafile: true,
      sourcesContent: true,
      logLevel: 'silent',
      // The worker's own modules report changes to module-scope and global state at run time (globalStateProbe.ts).
      plugins: [globalStateProbe()],
    });
  } catch (err) {
    throw toBuildFailure(err, root);
  }
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (!output) throw new BuildFailure('esbuild produced no JavaScript output', entry);
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((file) => path.resolve(root, file));
  return { code: output.text, url: bundleUrl(root, version), inputs };
}

function toBuildFailure(err: unknown, root: string): BuildFailure {
  const errors = (err as { errors?: esbuild.Message[] }).errors;
  const first = errors?.[0];
  if (!first) return new BuildFailure(err instanceof Error ? err.message : String(err));
  const location = first.location;
  if (!location) return new BuildFailure(first.text);
  // esbuild's columns are 0-based; editors and `file:line:col` links are 1-based.
  return new BuildFailure(first.text, path.resolve(root, location.file), location.line, location.column + 1);
}
