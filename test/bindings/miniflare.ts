// The reference for the bindings tests: Miniflare (npm), which runs a worker in workerd with its simulated bindings.
// A differential suite starts a fixture worker under Miniflare (in-memory bindings) and under
// `worker-studio dev --no-persist`, sends both the same requests in the same order (so both start from empty storage
// and go through the same states) and requires equal JSON answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Miniflare, type MiniflareOptions } from 'miniflare';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';

export interface Reference {
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/** A module worker (one file) under Miniflare. */
export async function startMiniflare(entry: string, options: Record<string, unknown> & { compatibilityDate: string }): Promise<Reference> {
  const mf = new Miniflare({ ...options, modules: true, script: readFileSync(entry, 'utf8'), name: path.basename(path.dirname(path.dirname(entry))) } as MiniflareOptions);
  await mf.ready;
  return {
    fetch: async (pathAndQuery, init) => (await mf.dispatchFetch(`http://localhost${pathAndQuery}`, init as never)) as unknown as Response,
    dispose: () => mf.dispose(),
  };
}

export interface DifferentialSuite {
  title: string;
  /** test/fixtures/<name>: a wrangler.toml and `src/index.js`, which answers JSON for `GET /<case>`. */
  fixture: string;
  compatibilityDate: string;
  /** Miniflare's options for the same bindings (e.g. `{ kvNamespaces: { KV: 'id' } }`). */
  miniflare: Record<string, unknown>;
  cases: string[];
  /** Maps both answers before comparing (figures that differ by nature). */
  normalize?: (answer: unknown) => unknown;
  /** A last test that asks both itself (e.g. polls until something asynchronous happened on both). */
  followUp?: { name: string; run(ask: { reference(path: string): Promise<unknown>; ours(path: string): Promise<unknown> }): Promise<void> };
}

export function describeAgainstMiniflare(suite: DifferentialSuite): void {
  describe(suite.title, () => {
    let reference: Reference | undefined;
    let dev: DevProcess | undefined;
    before(async () => {
      ensureRuntimeBuilt();
      [reference, dev] = await Promise.all([
        startMiniflare(fixture(`${suite.fixture}/src/index.js`), { compatibilityDate: suite.compatibilityDate, ...suite.miniflare }),
        startDev([fixture(suite.fixture), '--port', '0', '--no-persist']),
      ]);
    });
    after(async () => {
      await reference?.dispose();
      if (dev) assert.equal(await dev.stop(), 0);
    });

    const normalize = suite.normalize ?? ((answer: unknown) => answer);
    for (const name of suite.cases) {
      test(name, async () => {
        const expected = await reference!.fetch(`/${name}`);
        const actual = await fetch(`${dev!.url}/${name}`);
        const [expectedBody, actualBody] = [await expected.text(), await actual.text()];
        assert.equal(expected.status, 200, `the reference failed the case: ${expectedBody}`);
        assert.equal(actual.status, expected.status, actualBody);
        assert.deepEqual(normalize(JSON.parse(actualBody)), normalize(JSON.parse(expectedBody)));
      });
    }
    if (suite.followUp) {
      const { name, run } = suite.followUp;
      test(name, () =>
        run({
          reference: async (path) => (await reference!.fetch(path)).json(),
          ours: async (path) => (await fetch(`${dev!.url}${path}`)).json(),
        }),
      );
    }
  });
}
