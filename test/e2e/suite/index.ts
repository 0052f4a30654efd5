/**
 * The E2E suite's entry, loaded by the VS Code extension host (`--extensionTestsPath`, built to dist/test/e2e/index.cjs by
 * `node esbuild.mjs e2e`). Mocha stays external (resolved from the repo's node_modules). Each test file is imported
 * after mocha's `pre-require` has defined the tdd globals (suite/test/...) for it; esbuild bundles them (the imports
 * are static). One file per area of the extension; they run in the order of files.ts, in one workbench.
 */
import Mocha from 'mocha';
import { selectedFiles, type SuiteFile } from './files.ts';

/** Each suite file, imported when its run selects it (static imports: esbuild bundles them). */
const LOAD: Record<SuiteFile, () => Promise<unknown>> = {
  'extension.test.ts': () => import('./extension.test.ts'),
  'panel.test.ts': () => import('./panel.test.ts'),
  'debugging.test.ts': () => import('./debugging.test.ts'),
  'workerPick.test.ts': () => import('./workerPick.test.ts'),
  'views.test.ts': () => import('./views.test.ts'),
  'httpFiles.test.ts': () => import('./httpFiles.test.ts'),
  'multiWorker.test.ts': () => import('./multiWorker.test.ts'),
  'trust.test.ts': () => import('./trust.test.ts'),
};

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const name of selectedFiles(process.env.WORKER_STUDIO_E2E_SUITE === 'trust' ? 'trust' : 'main')) {
    mocha.suite.emit('pre-require', globalThis, name, mocha);
    await LOAD[name]();
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} E2E test(s) failed`);
}
