/**
 * The E2E suite's files, by run: `main` in the workbench of the workspace (in this order), `trust` in a second,
 * untrusted one (run.ts starts it with WORKER_STUDIO_E2E_SUITE=trust). Plain data: the runner reads it too.
 */
export const SUITE_FILES = {
  main: ['extension.test.ts', 'panel.test.ts', 'debugging.test.ts', 'workerPick.test.ts', 'views.test.ts', 'httpFiles.test.ts', 'multiWorker.test.ts'],
  trust: ['trust.test.ts'],
} as const;

export type SuiteRun = keyof typeof SUITE_FILES;
export type SuiteFile = (typeof SUITE_FILES)[SuiteRun][number];

/**
 * The files of `run`; WORKER_STUDIO_E2E_FILES=a.test.ts,b.test.ts narrows both runs to those files (to iterate on one
 * area): the runner does not start a run left with none.
 */
export function selectedFiles(run: SuiteRun, only = process.env.WORKER_STUDIO_E2E_FILES): SuiteFile[] {
  const files: readonly SuiteFile[] = SUITE_FILES[run];
  const names = only?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!names?.length) return [...files];
  const known: readonly string[] = [...SUITE_FILES.main, ...SUITE_FILES.trust];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`WORKER_STUDIO_E2E_FILES names ${unknown.join(', ')}: no such suite file (${known.join(', ')})`);
  return files.filter((file) => names.includes(file));
}
