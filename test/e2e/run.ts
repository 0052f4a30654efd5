/**
 * The E2E tier: `node test/e2e/run.ts` (Node >= 24). Builds nothing: build first (`node esbuild.mjs`).
 *
 * 1. Runs the mocha suite dist/test/e2e/index.cjs (from test/e2e/suite/) in a real VS Code extension host, with this
 *    repo as the extension under development, on a temp COPY of test/fixtures/e2e-workspace plus examples/hello as hello/.
 *    With code-server, the UI driver (ui/driver.ts) listens beside it: the suite's `ui('scenario', args)` (suite/ui.ts)
 *    runs named Playwright scenarios (ui/scenarios.ts) in the workbench page through it (WORKER_STUDIO_E2E_DRIVER).
 *    Electron can't be driven: the suite gets WORKER_STUDIO_E2E_DRIVER_ABSENT with the reason instead.
 *    Screenshots the suite takes go to WORKER_STUDIO_E2E_SCREENSHOTS (default: screenshots/ in the work dir;
 *    scripts/screenshots.mjs points it at docs/).
 * 2. The VSIX check (vsixCheck.ts): packages the built extension, installs it with the host's CLI and, with code-server,
 *    runs hello through the INSTALLED copy.
 *
 * Hosts (WORKER_STUDIO_E2E_HOST=auto|electron|code-server, default auto; hosts/select.ts): electron is desktop VS Code
 * from @vscode/test-electron (hosts/electron.ts); code-server is the workbench in headless Chromium (hosts/codeServer.ts;
 * code-server from WORKER_STUDIO_CODE_SERVER or `scripts/provision.sh e2e`, Chromium from WORKER_STUDIO_CHROMIUM or
 * /usr/bin/chromium). When no host can run: CI=true fails with the reason; elsewhere the tier is reported SKIPPED (exit 0).
 *
 * Other env: WORKER_STUDIO_E2E_TIMEOUT (seconds for everything, default 900), WORKER_STUDIO_E2E_KEEP=1 (keep the temp dir),
 * WORKER_STUDIO_E2E_VSIX=0 (skip the VSIX check; ignored when CI=true), WORKER_STUDIO_VSCODE_VERSION (electron; default stable),
 * WORKER_STUDIO_E2E_EXTENSION (another extension build to test; paths.ts), WORKER_STUDIO_E2E_FILES=a.test.ts,b.test.ts (only
 * those suite files; a run left with none is not started: suite/files.ts).
 * The extension host gets WORKER_STUDIO_NODE = this Node (>= 24) so the sidecar never falls back to an older Node.
 *
 * Elsewhere: processes.ts (cleanup, process groups, the temp dir), report.ts (progress lines and failure diagnostics).
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, repoRoot } from '../repo.ts';
import { runCodeServer } from './hosts/codeServer.ts';
import { runElectron } from './hosts/electron.ts';
import { selectHost, type Host } from './hosts/select.ts';
import { extensionUnderTest, helloExample, suiteEntry } from './paths.ts';
import { cleanup, exitAfterCleanup, exitOnSignals, makeWorkDir, onCleanup } from './processes.ts';
import { clearDiagnostics, Failure, log, printDiagnostics, seconds } from './report.ts';
import { selectedFiles } from './suite/files.ts';
import { runTrustSuite } from './trustRun.ts';
import { startUiDriver, type UiDriver } from './ui/driver.ts';
import { DRIVER_ABSENT_ENV, DRIVER_ENV } from './ui/wire.ts';
import { vsixCheck } from './vsixCheck.ts';

const CI = process.env.CI === 'true' || process.env.CI === '1';

function node24(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  const env = process.env.WORKER_STUDIO_NODE;
  if (env && existsSync(env)) return env;
  throw new Failure(`the E2E runner needs Node >= 24 (this is ${process.version}): put Node 24 first on PATH (scripts/provision.sh node)`);
}

/** The opened workspace: a temp copy of the fixture with examples/hello as hello/ and test/fixtures/multi-worker as multi/. */
function makeWorkspace(work: string): string {
  const workspace = path.join(work, 'workspace');
  const skip = (src: string) => !/[/\\](node_modules|\.worker-studio|dist)([/\\]|$)/.test(src);
  cpSync(fixture('e2e-workspace'), workspace, { recursive: true, filter: skip });
  cpSync(helloExample, path.join(workspace, 'hello'), { recursive: true, filter: skip });
  // Two workers bound to each other (service bindings, a Durable Object of the other): started together in one sidecar.
  cpSync(fixture('multi-worker'), path.join(workspace, 'multi'), { recursive: true, filter: skip });
  return workspace;
}

/** The suite in the workbench of the workspace (with the UI driver on code-server); answers its failure, if any. */
async function runMainSuite(
  host: Host,
  { work, workspace, nodeBin, screenshots, env }: { work: string; workspace: string; nodeBin: string; screenshots: string; env: Record<string, string> },
): Promise<string | undefined> {
  let driver: UiDriver | undefined;
  if (host.kind === 'code-server') {
    driver = await startUiDriver();
    const running = driver;
    onCleanup(() => running.close());
    env[DRIVER_ENV] = driver.url;
    log(`ui driver on ${driver.url}; screenshots go to ${screenshots}`);
  } else {
    env[DRIVER_ABSENT_ENV] = `the ${host.kind} host cannot be driven (the UI driver needs the code-server host: WORKER_STUDIO_E2E_HOST=code-server)`;
    log('ui driver: none (code-server only); tests that need it are left out, or fail under CI');
  }

  const suiteStarted = performance.now();
  const suite = { folder: workspace, extensionDevelopmentPath: extensionUnderTest, extensionTestsPath: suiteEntry, env };
  const code =
    host.kind === 'electron'
      ? await runElectron({ ...suite, executable: host.executable, dir: work })
      : await runCodeServer(
          {
            ...suite,
            label: 'suite',
            bin: host.bin,
            chromium: host.chromium,
            dir: path.join(work, 'suite'),
            onPage: (page) => driver?.attach(page),
          },
          nodeBin,
        );
  log(`suite (${host.kind}): exit ${code} in ${seconds(suiteStarted)}`);
  if (code !== 0) printDiagnostics();
  if (driver) {
    const { ran, failed } = driver.counts();
    log(`ui driver: ${ran} scenario(s) ran, ${failed} failed`);
  }
  clearDiagnostics();
  await cleanup(); // stop the suite's code-server before the next one
  return code === 0 ? undefined : `the E2E suite failed (exit ${code}); see the test output above`;
}

async function main(): Promise<number> {
  const started = performance.now();
  const nodeBin = node24();
  if (!existsSync(suiteEntry)) throw new Failure(`${path.relative(repoRoot, suiteEntry)} is missing: build first (node esbuild.mjs, or node esbuild.mjs e2e)`);
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main?: string };
  if (manifest.main && !existsSync(path.join(repoRoot, manifest.main))) log(`warning: ${manifest.main} is not built: the extension cannot activate`);

  const timeoutS = Number(process.env.WORKER_STUDIO_E2E_TIMEOUT ?? 900);
  const timer = setTimeout(() => {
    console.error(`[e2e] FAILED: timed out after ${timeoutS} s (WORKER_STUDIO_E2E_TIMEOUT); killing everything`);
    printDiagnostics();
    void exitAfterCleanup(1);
  }, timeoutS * 1000);
  timer.unref();

  const host = await selectHost();
  if (host.kind === 'none') {
    if (CI) throw new Failure(`no VS Code host can run here (CI never skips): ${host.reason}`);
    log(`SKIPPED: no VS Code host can run here: ${host.reason}`);
    return 0;
  }

  const work = makeWorkDir();
  const workspace = makeWorkspace(work);
  const screenshots = path.resolve(process.env.WORKER_STUDIO_E2E_SCREENSHOTS ?? path.join(work, 'screenshots'));
  const env: Record<string, string> = { WORKER_STUDIO_NODE: nodeBin, WORKER_STUDIO_E2E_SCREENSHOTS: screenshots };
  log(`host ${host.kind}; workspace ${workspace}`);
  const failures: string[] = [];
  // WORKER_STUDIO_E2E_FILES may leave a run with no file: that run is not started.
  if (selectedFiles('main').length === 0) log('suite: no file of it is selected (WORKER_STUDIO_E2E_FILES)');
  else {
    const failure = await runMainSuite(host, { work, workspace, nodeBin, screenshots, env });
    if (failure) failures.push(failure);
  }

  // Workspace trust: the same workspace, opened untrusted, in a second short run (trustRun.ts).
  if (selectedFiles('trust').length === 0) {
    log('trust suite: no file of it is selected (WORKER_STUDIO_E2E_FILES)');
  } else if (host.kind === 'code-server') {
    const trustCode = await runTrustSuite({ host, work, workspace, nodeBin, extensionDevelopmentPath: extensionUnderTest, extensionTestsPath: suiteEntry, env });
    if (trustCode !== 0) {
      printDiagnostics();
      failures.push(`the trust suite (untrusted workspace) failed (exit ${trustCode}); see the test output above`);
    }
    clearDiagnostics();
    await cleanup();
  } else {
    log('trust suite: left out (it needs the code-server host)');
  }

  // The VSIX check runs even when the suite failed: one run reports both.
  if (process.env.WORKER_STUDIO_E2E_VSIX === '0' && !CI) {
    log('vsix check skipped (WORKER_STUDIO_E2E_VSIX=0)');
  } else {
    try {
      await vsixCheck(host, work, nodeBin);
    } catch (err) {
      printDiagnostics();
      failures.push(err instanceof Failure ? err.message : String(err instanceof Error ? err.stack : err));
    }
  }
  if (failures.length) throw new Failure(failures.join('\n[e2e] FAILED: '));
  clearTimeout(timer);
  log(`passed in ${seconds(started)}`);
  return 0;
}

exitOnSignals();
let code: number;
try {
  code = await main();
} catch (err) {
  console.error(err instanceof Failure ? `[e2e] FAILED: ${err.message}` : err);
  code = 1;
}
await exitAfterCleanup(code);
