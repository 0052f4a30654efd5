// `node scripts/screenshots.mjs`: regenerates the screenshots in docs/ from the real workbench. Builds, then runs the
// E2E tier on the code-server host (the only one the UI driver can drive) with WORKER_STUDIO_E2E_SCREENSHOTS=docs/:
// the suite's tests take their screenshots there as they run (test/e2e/suite/panel.test.ts: panel.png, waterfall.png;
// a test of another area adds its own with `ui('page.screenshot', { file, selector, webview? })`).
// The VSIX check is skipped: it takes no screenshots. Exit code: the E2E run's (a failing test may leave a PNG stale).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, ensureNode24, root } from './bootstrap.mjs';

ensureNode24();
build();
const docs = path.join(root, 'docs');
mkdirSync(docs, { recursive: true });
const started = Date.now();
const result = spawnSync(process.execPath, [path.join(root, 'test/e2e/run.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WORKER_STUDIO_E2E_HOST: 'code-server', WORKER_STUDIO_E2E_SCREENSHOTS: docs, WORKER_STUDIO_E2E_VSIX: '0' },
});
const fresh = readdirSync(docs).filter((f) => f.endsWith('.png') && statSync(path.join(docs, f)).mtimeMs >= started);
console.log(`[screenshots] ${fresh.length ? `wrote ${fresh.map((f) => `docs/${f}`).join(', ')}` : 'wrote nothing'}`);
process.exit(result.status ?? 1);
