/**
 * The E2E suite's entry, loaded by the VS Code extension host (`--extensionTestsPath`, built to dist/test/e2e/index.cjs by
 * `node esbuild.mjs e2e`). Mocha stays external (resolved from the repo's node_modules). Each test file is imported
 * after mocha's `pre-require` has defined the tdd globals (suite/test/...) for it; esbuild bundles them (the imports
 * are static). One file per area of the extension; they run in this order, in one workbench.
 */
import Mocha from 'mocha';

const FILES: [name: string, load: () => Promise<unknown>][] = [
  ['extension.test.ts', () => import('./extension.test.ts')],
  ['panel.test.ts', () => import('./panel.test.ts')],
  ['debugging.test.ts', () => import('./debugging.test.ts')],
  ['workerPick.test.ts', () => import('./workerPick.test.ts')],
  ['views.test.ts', () => import('./views.test.ts')],
  ['httpFiles.test.ts', () => import('./httpFiles.test.ts')],
  ['multiWorker.test.ts', () => import('./multiWorker.test.ts')],
];
/** The run in an UNTRUSTED workspace (run.ts starts a second workbench for it with WORKER_STUDIO_E2E_SUITE=trust). */
const TRUST_FILES: typeof FILES = [['trust.test.ts', () => import('./trust.test.ts')]];

/**
 * WORKER_STUDIO_E2E_SUITE picks the file list; WORKER_STUDIO_E2E_FILES=a.test.ts,b.test.ts narrows both runs to those
 * files (to iterate on one area; a run left with none runs no test).
 */
function selectedFiles(): typeof FILES {
  const files = process.env.WORKER_STUDIO_E2E_SUITE === 'trust' ? TRUST_FILES : FILES;
  const only = process.env.WORKER_STUDIO_E2E_FILES?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!only?.length) return files;
  const unknown = only.filter((name) => ![...FILES, ...TRUST_FILES].some(([file]) => file === name));
  if (unknown.length) throw new Error(`WORKER_STUDIO_E2E_FILES names ${unknown.join(', ')}: no such suite file (${[...FILES, ...TRUST_FILES].map(([file]) => file).join(', ')})`);
  return files.filter(([file]) => only.includes(file));
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const [name, load] of selectedFiles()) {
    mocha.suite.emit('pre-require', globalThis, name, mocha);
    await load();
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} E2E test(s) failed`);
}
