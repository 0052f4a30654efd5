// The code-server host: the real workbench + Node extension host served by code-server, driven by headless Chromium
// through playwright-core and the workbench's smoke-test driver hooks (see /work/shared/notes/e2e-in-vscode.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../../repo.ts';
import { freePort, onCleanup, trackGroup } from '../processes.ts';
import { addDiagnostics, Failure, log, printExtensionHostLogs, printSection, seconds, tail } from '../report.ts';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** code-server from WORKER_STUDIO_CODE_SERVER or `scripts/provision.sh e2e`, or why there is none. */
export function findCodeServer(): { bin: string } | { reason: string } {
  const env = process.env.WORKER_STUDIO_CODE_SERVER;
  if (env) return existsSync(env) ? { bin: env } : { reason: `WORKER_STUDIO_CODE_SERVER=${env} does not exist` };
  const started = performance.now();
  // Cached after the first run; needs root only when Debian packages are missing.
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts', 'provision.sh'), 'e2e'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const bin = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !bin || !existsSync(bin)) {
    const why = (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || String(result.error ?? `exit ${result.status}`);
    return { reason: `scripts/provision.sh e2e failed: ${why}` };
  }
  log(`code-server: ${bin} (provision check ${seconds(started)})`);
  return { bin };
}

export interface CodeServerRun {
  label: string;
  bin: string;
  chromium: string;
  /** Folder to open. */
  folder: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** Its own dir for state and logs. */
  dir: string;
  extensionsDir?: string;
  env: Record<string, string>;
  /**
   * Open the folder UNTRUSTED (Restricted Mode): workspace trust stays on, with no startup prompt (trustRun.ts).
   * Otherwise trust is disabled and every folder is trusted.
   */
  untrusted?: boolean;
  /** Called with the workbench's page before it loads, to drive the UI while the tests run (the UI driver, ui/driver.ts). */
  onPage?: (page: Page) => void;
}

/** code-server's environment: HOME and XDG dirs under `dir` (nothing of the user's), `nodeBin` first on PATH. */
export function codeServerEnv(dir: string, nodeBin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  for (const key of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const) mkdirSync(env[key]!, { recursive: true });
  return env;
}

/** Starts code-server and a browser on it, runs the tests; resolves with their exit code. */
export async function runCodeServer(run: CodeServerRun, nodeBin: string): Promise<number> {
  const started = performance.now();
  mkdirSync(run.dir, { recursive: true });
  const port = await freePort();
  const userDataDir = path.join(run.dir, 'user-data');
  const extensionsDir = run.extensionsDir ?? path.join(run.dir, 'extensions');
  const logFile = path.join(run.dir, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const args = [
    '--config', '/dev/null',
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(run.untrusted ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver', // without it the workbench ignores the test payload
    run.folder,
  ];
  if (run.untrusted) {
    // A fresh user-data dir trusts no folder; without the prompt the workbench opens it in Restricted Mode.
    mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }, null, 2),
    );
  }
  // detached: its own session and process group (what `setsid` does), so the file watcher and the extension host die with it.
  const server = spawn(run.bin, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...codeServerEnv(run.dir, nodeBin), ...run.env } });
  trackGroup(server);
  addDiagnostics(() => {
    printSection(`${run.label}: code-server log (tail)`, tail(logFile, 60));
    printExtensionHostLogs(path.join(userDataDir, 'logs'), path.join(run.dir, 'browser-logs'));
  });
  const serverExit = new Promise<never>((_, reject) =>
    server.once('exit', (code, signal) => reject(new Failure(`${run.label}: code-server exited early (${code ?? signal}); log:\n${tail(logFile, 40)}`))),
  );
  serverExit.catch(() => undefined);

  const base = `http://127.0.0.1:${port}`;
  await Promise.race([waitForHealthz(base, 60_000, logFile), serverExit]);
  log(`${run.label}: code-server up on ${base} (${seconds(started)})`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: run.chromium, headless: true, args: CHROMIUM_ARGS });
  onCleanup(() => browser.close().catch(() => undefined));
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  addDiagnostics(() => {
    if (consoleErrors.length) printSection(`${run.label}: browser console errors (last 30)`, consoleErrors.slice(-30).join('\n'));
  });

  let exitCode!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exitCode = resolve));
  // The workbench's smoke-test driver calls these: the extension host's console output, then the tests' exit code
  // with the browser-side log files. Both must exist before the page loads.
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const print = type === 'error' || type === 'warn' ? console.error : console.log;
    print(...(Array.isArray(args) ? args : [args]));
  });
  await page.exposeFunction('codeAutomationExit', (code: number, logs?: Array<{ relativePath: string; contents: string }>) => {
    for (const entry of logs ?? []) {
      const file = path.join(run.dir, 'browser-logs', entry.relativePath);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, entry.contents);
    }
    exitCode(code);
  });

  run.onPage?.(page);

  const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(run.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(run.extensionTestsPath)],
    ['extensionEnvironment', JSON.stringify(run.env)],
    ['skipWelcome', 'true'],
  ];
  const url = `${base}/?folder=${encodeURIComponent(run.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const browserGone = new Promise<never>((_, reject) =>
    browser.once('disconnected', () => reject(new Failure(`${run.label}: the browser disconnected before the tests finished`))),
  );
  browserGone.catch(() => undefined);
  const code = await Promise.race([exited, serverExit, browserGone]);
  log(`${run.label}: tests exited with ${code} (${seconds(started)})`);
  return code;
}

async function waitForHealthz(base: string, ms: number, logFile: string): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Failure(`code-server did not answer ${base}/healthz within ${ms / 1000} s; log:\n${tail(logFile, 40)}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval while waiting for the listener
  }
}
