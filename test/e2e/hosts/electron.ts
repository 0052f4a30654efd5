// The electron host: desktop VS Code downloaded by @vscode/test-electron, the suite run by its `runTests`.
// runTests runs in a child Node process (this file run as a script) of its own process group, so a timeout can kill
// VS Code and everything it started.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { workerStudioCacheRoot } from '../../../common/nodeRuntime.ts';
import { trackGroup } from '../processes.ts';
import { addDiagnostics, log, printExtensionHostLogs, seconds } from '../report.ts';

/** The VS Code executable (WORKER_STUDIO_VSCODE_EXECUTABLE, or downloaded), or why there is none. */
export async function findElectron(explicit: boolean): Promise<{ executable: string } | { reason: string }> {
  if (process.env.WORKER_STUDIO_VSCODE_EXECUTABLE) return { executable: process.env.WORKER_STUDIO_VSCODE_EXECUTABLE };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display on this Linux machine (run under xvfb-run to use it)' };
  }
  const started = performance.now();
  try {
    const { download, SilentReporter, makeConsoleReporter } = await import('@vscode/test-electron');
    const executable = await download({
      version: process.env.WORKER_STUDIO_VSCODE_VERSION ?? 'stable',
      cachePath: path.join(workerStudioCacheRoot(), 'vscode-test'),
      // An idle timeout: a host that can't reach the update server fails fast, a slow but live download goes on.
      timeout: explicit ? 60_000 : 10_000,
      reporter: process.stdout.isTTY ? await makeConsoleReporter() : new SilentReporter(),
    });
    log(`VS Code at ${executable} (${seconds(started)})`);
    return { executable };
  } catch (err) {
    return { reason: `could not download VS Code: ${String(err instanceof Error ? err.message : err).split('\n')[0]}` };
  }
}

export interface ElectronRun {
  executable: string;
  /** Folder to open. */
  folder: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** Where user-data/ and extensions/ go. */
  dir: string;
  env: Record<string, string>;
}

/** Runs the tests in a VS Code window; resolves with their exit code. */
export async function runElectron(run: ElectronRun): Promise<number> {
  const child = spawn(process.execPath, [import.meta.filename], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, WORKER_STUDIO_E2E_ELECTRON_ARGS: JSON.stringify(run) },
  });
  trackGroup(child);
  addDiagnostics(() => printExtensionHostLogs(path.join(run.dir, 'user-data', 'logs')));
  return new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
}

/** The child process: runTests with the ElectronRun the parent passed in WORKER_STUDIO_E2E_ELECTRON_ARGS. */
async function electronChild(): Promise<never> {
  const run = JSON.parse(process.env.WORKER_STUDIO_E2E_ELECTRON_ARGS ?? '{}') as ElectronRun;
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      vscodeExecutablePath: run.executable,
      extensionDevelopmentPath: run.extensionDevelopmentPath,
      extensionTestsPath: run.extensionTestsPath,
      extensionTestsEnv: run.env,
      launchArgs: [
        run.folder,
        '--disable-extensions', // installed extensions; the one under development and the built-ins (js-debug) still load
        `--user-data-dir=${path.join(run.dir, 'user-data')}`,
        `--extensions-dir=${path.join(run.dir, 'extensions')}`,
        '--disable-telemetry',
      ],
    });
    process.exit(0);
  } catch (err) {
    const code = (err as { code?: number }).code;
    console.error(`[e2e] ${String(err instanceof Error ? err.message : err)}`);
    process.exit(typeof code === 'number' && code !== 0 ? code : 1);
  }
}

if (import.meta.main) await electronChild();
