// Where the E2E tier's inputs are (the repo root and the fixtures come from the shared test/repo.ts).
import path from 'node:path';
import { repoRoot } from '../repo.ts';

/** The mocha suite, built from test/e2e/suite/ by `node esbuild.mjs`. */
export const suiteEntry = path.join(repoRoot, 'dist', 'test', 'e2e', 'index.cjs');
/** Copied into the suite's workspace as hello/, and opened alone by the VSIX check. */
export const helloExample = path.join(repoRoot, 'examples', 'hello');
/** The extension under development: the repo (WORKER_STUDIO_E2E_EXTENSION overrides it, to try the harness on another build). */
export const extensionUnderTest = path.resolve(process.env.WORKER_STUDIO_E2E_EXTENSION ?? repoRoot);
