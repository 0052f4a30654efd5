// The reference for the bindings tests: Miniflare (npm), which runs a worker in workerd with its simulated bindings.
// A test starts a worker under Miniflare and under `worker-studio dev`, sends both the same requests and compares.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Miniflare, type MiniflareOptions } from 'miniflare';

export interface Reference {
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/** A module worker (one file) under Miniflare, with in-memory bindings. */
export async function startMiniflare(entry: string, options: Omit<MiniflareOptions, 'script' | 'scriptPath' | 'modules'> & { compatibilityDate: string }): Promise<Reference> {
  const mf = new Miniflare({ ...options, modules: true, script: readFileSync(entry, 'utf8'), name: path.basename(path.dirname(path.dirname(entry))) } as MiniflareOptions);
  await mf.ready;
  return {
    fetch: async (pathAndQuery, init) => (await mf.dispatchFetch(`http://localhost${pathAndQuery}`, init as never)) as unknown as Response,
    dispose: () => mf.dispose(),
  };
}
