/**
 * The E2E suite's entry, loaded by the VS Code extension host (`--extensionTestsPath`, built to dist/test/e2e/index.cjs by
 * `node esbuild.mjs e2e`). Mocha stays external (resolved from the repo's node_modules). The test files are imported
 * after mocha's `pre-require` has defined the tdd globals (suite/test/...); esbuild bundles them (the import is static).
 */
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension.test.ts', mocha);
  await import('./extension.test.ts');
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} E2E test(s) failed`);
}
