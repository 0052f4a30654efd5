/**
 * The E2E tier: `node test/e2e/run.ts` (Node >= 24). Builds nothing: build first (`node esbuild.mjs`).
 *
 * 1. Runs the mocha suite dist/test/e2e/index.cjs (from test/e2e/suite/) in a real VS Code extension host, with this
 *    repo as the extension under development, on a temp COPY of test/fixtures/e2e-workspace plus examples/hello as hello/.
 * 2. The VSIX check: packages the built extension (scripts/vsix.ts, the .vscodeignore allowlist), checks its file list,
 *    installs it with the host's CLI into a fresh extensions dir and checks it is listed; with code-server, also opens
 *    examples/hello with only the INSTALLED copy and runs the worker through it (proves the shipped runtime modules load).
 *
 * Hosts (WORKER_STUDIO_E2E_HOST=auto|electron|code-server, default auto):
 * - electron: desktop VS Code downloaded by @vscode/test-electron (`runTests`); auto tries it first with a short timeout.
 * - code-server: the real workbench + Node extension host served by code-server, driven by headless Chromium through
 *   playwright-core and the workbench's smoke-test driver hooks (see /work/shared/notes/e2e-in-vscode.md). code-server comes
 *   from WORKER_STUDIO_CODE_SERVER or `scripts/provision.sh e2e`; Chromium from WORKER_STUDIO_CHROMIUM or /usr/bin/chromium.
 * When no host can run: CI=true fails with the reason; elsewhere the tier is reported SKIPPED (exit 0).
 *
 * Other env: WORKER_STUDIO_E2E_TIMEOUT (seconds for everything, default 300), WORKER_STUDIO_E2E_KEEP=1 (keep the temp dir),
 * WORKER_STUDIO_E2E_VSIX=0 (skip the VSIX check; ignored when CI=true), WORKER_STUDIO_VSCODE_VERSION (electron; default stable).
 * The extension host gets WORKER_STUDIO_NODE = this Node (>= 24) so the sidecar never falls back to an older Node.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkVsixEntries, packageVsix } from '../../scripts/vsix.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const suiteEntry = path.join(root, 'dist', 'test', 'e2e', 'index.cjs');
const fixture = path.join(root, 'test', 'fixtures', 'e2e-workspace');
const helloExample = path.join(root, 'examples', 'hello');
const EXTENSION_ID = 'worker-studio.worker-studio';
/** The extension under development: the repo (WORKER_STUDIO_E2E_EXTENSION overrides it, to try the harness on another build). */
const extensionUnderTest = path.resolve(process.env.WORKER_STUDIO_E2E_EXTENSION ?? root);
const CI = process.env.CI === 'true' || process.env.CI === '1';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A failure whose message says everything: printed as is, exit 1. */
class Failure extends Error {}

const log = (message: string) => console.log(`[e2e] ${message}`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------------------------------
// Cleanup: every started process group and temp dir registers here; run on success, failure, timeout and signals.

const cleanups: Array<() => void | Promise<void>> = [];
let cleaning: Promise<void> | undefined;
/** Runs the registered cleanups (newest first); concurrent callers (timeout, signal, normal end) share one pass. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`[e2e] cleanup: ${String(err)}`);
      }
    }
  })().finally(() => (cleaning = undefined));
  return cleaning;
}

/** Process groups still alive: SIGKILLed synchronously if the runner exits any other way. */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid);
});

/** Kills a process group (the child was spawned detached, so its pid is the group id). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the group, SIGKILL if it has not exited within 3 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid) liveGroups.delete(child.pid);
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child.pid); // the leader is gone; stragglers in its group are not
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
  clearTimeout(timer);
  killGroup(child.pid);
}

// Failure diagnostics: each host registers what to print when the run fails.
const diagnostics: Array<() => void> = [];
function printDiagnostics(): void {
  for (const fn of diagnostics) {
    try {
      fn();
    } catch (err) {
      console.error(`[e2e] (diagnostics failed: ${String(err)})`);
    }
  }
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return `(no ${file})`;
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} earlier lines in ${file})`] : []).concat(all.slice(-lines)).join('\n');
}

function findFiles(dir: string, match: (file: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findFiles(full, match, out);
    else if (match(full)) out.push(full);
  }
  return out;
}

function printSection(title: string, body: string): void {
  console.error(`\n----- ${title} -----\n${body}\n----- end of ${title} -----`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Workspace and environment.

function node24(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  const env = process.env.WORKER_STUDIO_NODE;
  if (env && existsSync(env)) return env;
  throw new Failure(`the E2E runner needs Node >= 24 (this is ${process.version}): put Node 24 first on PATH (scripts/provision.sh node)`);
}

/** The opened workspace: a temp copy of the fixture with examples/hello as hello/. */
function makeWorkspace(work: string): string {
  const workspace = path.join(work, 'workspace');
  const skip = (src: string) => !/[/\\](node_modules|\.worker-studio|dist)([/\\]|$)/.test(src);
  cpSync(fixture, workspace, { recursive: true, filter: skip });
  cpSync(helloExample, path.join(workspace, 'hello'), { recursive: true, filter: skip });
  return workspace;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Host selection.

type Host = { kind: 'electron'; executable: string } | { kind: 'code-server'; bin: string; chromium: string };

async function selectHost(): Promise<Host | { kind: 'none'; reason: string }> {
  const wanted = process.env.WORKER_STUDIO_E2E_HOST ?? 'auto';
  if (!['auto', 'electron', 'code-server'].includes(wanted)) {
    throw new Failure(`WORKER_STUDIO_E2E_HOST=${wanted}: expected auto, electron or code-server`);
  }
  let electronReason = '';
  if (wanted !== 'code-server') {
    const electron = await tryElectron(wanted === 'electron');
    if ('executable' in electron) return { kind: 'electron', executable: electron.executable };
    if (wanted === 'electron') throw new Failure(`electron host unavailable: ${electron.reason}`);
    electronReason = electron.reason;
    log(`electron host unavailable (${electron.reason}); using code-server`);
  }
  const codeServer = findCodeServer();
  let reason: string;
  if ('bin' in codeServer) {
    const chromium = process.env.WORKER_STUDIO_CHROMIUM ?? '/usr/bin/chromium';
    if (existsSync(chromium)) return { kind: 'code-server', bin: codeServer.bin, chromium };
    reason = `no Chromium at ${chromium} (scripts/provision.sh e2e installs it; or set WORKER_STUDIO_CHROMIUM)`;
  } else {
    reason = codeServer.reason;
  }
  if (wanted === 'code-server') throw new Failure(`code-server host unavailable: ${reason}`);
  return { kind: 'none', reason: `electron: ${electronReason}; code-server: ${reason}` };
}

async function tryElectron(explicit: boolean): Promise<{ executable: string } | { reason: string }> {
  if (process.env.WORKER_STUDIO_VSCODE_EXECUTABLE) return { executable: process.env.WORKER_STUDIO_VSCODE_EXECUTABLE };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display on this Linux machine (run under xvfb-run to use it)' };
  }
  const started = performance.now();
  try {
    const { download, SilentReporter, makeConsoleReporter } = await import('@vscode/test-electron');
    const executable = await download({
      version: process.env.WORKER_STUDIO_VSCODE_VERSION ?? 'stable',
      cachePath: path.join(process.env.WORKER_STUDIO_CACHE ?? path.join(os.homedir(), '.cache', 'worker-studio'), 'vscode-test'),
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

function findCodeServer(): { bin: string } | { reason: string } {
  const env = process.env.WORKER_STUDIO_CODE_SERVER;
  if (env) return existsSync(env) ? { bin: env } : { reason: `WORKER_STUDIO_CODE_SERVER=${env} does not exist` };
  const started = performance.now();
  // Cached after the first run; needs root only when Debian packages are missing.
  const result = spawnSync('bash', [path.join(root, 'scripts', 'provision.sh'), 'e2e'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const bin = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !bin || !existsSync(bin)) {
    const why = (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || String(result.error ?? `exit ${result.status}`);
    return { reason: `scripts/provision.sh e2e failed: ${why}` };
  }
  log(`code-server: ${bin} (provision check ${seconds(started)})`);
  return { bin };
}

// ---------------------------------------------------------------------------------------------------------------------
// electron host: @vscode/test-electron's runTests, in a child Node process of its own process group so a timeout can
// kill VS Code and everything it started.

interface ElectronChildArgs {
  executable: string;
  workspace: string;
  work: string;
  env: Record<string, string>;
}

async function electronChild(): Promise<never> {
  const args = JSON.parse(process.env.WORKER_STUDIO_E2E_ELECTRON_ARGS ?? '{}') as ElectronChildArgs;
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      vscodeExecutablePath: args.executable,
      extensionDevelopmentPath: extensionUnderTest,
      extensionTestsPath: suiteEntry,
      extensionTestsEnv: args.env,
      launchArgs: [
        args.workspace,
        '--disable-extensions', // installed extensions; the one under development and the built-ins (js-debug) still load
        `--user-data-dir=${path.join(args.work, 'user-data')}`,
        `--extensions-dir=${path.join(args.work, 'extensions')}`,
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

async function runElectron(executable: string, workspace: string, work: string, env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [import.meta.filename, '--electron-child'], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, WORKER_STUDIO_E2E_ELECTRON_ARGS: JSON.stringify({ executable, workspace, work, env } satisfies ElectronChildArgs) },
  });
  if (child.pid) liveGroups.add(child.pid);
  cleanups.push(() => stopGroup(child));
  diagnostics.push(() => printExtensionHostLogs(path.join(work, 'user-data', 'logs')));
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  return code;
}

// ---------------------------------------------------------------------------------------------------------------------
// code-server host.

interface CodeServerRun {
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
}

function codeServerEnv(dir: string, nodeBin: string): NodeJS.ProcessEnv {
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

async function runCodeServer(run: CodeServerRun, nodeBin: string): Promise<number> {
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
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver', // without it the workbench ignores the test payload
    run.folder,
  ];
  // detached: its own session and process group (what `setsid` does), so the file watcher and the extension host die with it.
  const server = spawn(run.bin, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...codeServerEnv(run.dir, nodeBin), ...run.env } });
  if (server.pid) liveGroups.add(server.pid);
  cleanups.push(() => stopGroup(server));
  diagnostics.push(() => {
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
  cleanups.push(() => browser.close().catch(() => undefined));
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  diagnostics.push(() => {
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

function printExtensionHostLogs(logsDir: string, browserLogsDir?: string): void {
  // The extension host's own log, our output channel, js-debug's; the window log's errors (gallery/auth noise aside).
  const wanted = /(remote)?exthost\d*\.log$|Worker Studio\.log$|js-debug|window\.log$/;
  const files = [...findFiles(logsDir, (f) => wanted.test(f)), ...(browserLogsDir ? findFiles(browserLogsDir, (f) => wanted.test(f)) : [])].filter(
    (file) => statSync(file).size > 0,
  );
  if (!files.length) {
    printSection('extension host logs', `(none found under ${logsDir}${browserLogsDir ? ` or ${browserLogsDir}` : ''})`);
    return;
  }
  const noise = /open-vsx\.org|AgentHost|github\.com|gallery|Accessing a (resource|window) scoped configuration/i;
  for (const file of files) {
    let body: string;
    if (file.endsWith('window.log')) {
      const errors = readFileSync(file, 'utf8').split('\n').filter((line) => /\[(error|warning)\]/.test(line) && !noise.test(line));
      if (!errors.length) continue;
      body = errors.slice(-30).join('\n');
    } else {
      body = tail(file, 50);
    }
    printSection(`log ${file} (tail)`, body);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The VSIX check.

async function vsixCheck(host: Host, work: string, nodeBin: string): Promise<void> {
  const started = performance.now();
  const dir = path.join(work, 'vsix');
  mkdirSync(dir, { recursive: true });
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const vsix = path.join(dir, `worker-studio-${version}.vsix`);
  const { entries, bytes } = await packageVsix({ root, out: vsix });
  const problems = checkVsixEntries(entries);
  if (problems.length) throw new Failure(`VSIX contents are wrong:\n  ${problems.join('\n  ')}\nentries:\n  ${entries.join('\n  ')}`);
  log(`vsix: packaged ${entries.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB (${seconds(started)})`);

  const extensionsDir = path.join(dir, 'extensions');
  const userDataDir = path.join(dir, 'cli-user-data');
  let cli: { command: string; args: string[]; env: NodeJS.ProcessEnv };
  if (host.kind === 'code-server') {
    cli = { command: host.bin, args: [], env: codeServerEnv(path.join(dir, 'cli'), nodeBin) };
  } else {
    const { resolveCliArgsFromVSCodeExecutablePath } = await import('@vscode/test-electron');
    const [command, ...args] = resolveCliArgsFromVSCodeExecutablePath(host.executable);
    cli = { command: command!, args, env: process.env };
  }
  const runCli = (...args: string[]) => {
    const result = spawnSync(cli.command, [...cli.args, ...args, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], {
      encoding: 'utf8',
      env: cli.env,
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Failure(`vsix: \`${path.basename(cli.command)} ${args.join(' ')}\` failed (${result.status ?? result.signal ?? String(result.error)}):\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  };
  runCli('--install-extension', vsix);
  const listed = runCli('--list-extensions', '--show-versions');
  if (!listed.split('\n').some((line) => line.trim() === `${EXTENSION_ID}@${version}`)) {
    throw new Failure(`vsix: ${EXTENSION_ID}@${version} is not listed after --install-extension; --list-extensions said:\n${listed}`);
  }
  log(`vsix: installed and listed as ${EXTENSION_ID}@${version} (${seconds(started)})`);

  if (host.kind !== 'code-server') {
    log('vsix: activation of the installed copy is checked with the code-server host only');
    return;
  }
  // Activation of the INSTALLED copy: a dummy extension under development carries a tiny test that finds
  // worker-studio in the extensions dir, starts hello through it and sends a request.
  const probe = path.join(dir, 'probe');
  mkdirSync(probe, { recursive: true });
  writeFileSync(
    path.join(probe, 'package.json'),
    JSON.stringify({ name: 'vsix-probe', publisher: 'worker-studio-tests', version: '0.0.0', engines: { vscode: '^1.100.0' } }),
  );
  writeFileSync(path.join(probe, 'tests.cjs'), probeTests(extensionsDir));
  const workspace = path.join(dir, 'hello');
  cpSync(helloExample, workspace, { recursive: true });
  const code = await runCodeServer(
    {
      label: 'vsix',
      bin: host.bin,
      chromium: host.chromium,
      folder: workspace,
      extensionDevelopmentPath: probe,
      extensionTestsPath: path.join(probe, 'tests.cjs'),
      dir: path.join(dir, 'code-server'),
      extensionsDir,
      env: { WORKER_STUDIO_NODE: nodeBin },
    },
    nodeBin,
  );
  if (code !== 0) throw new Failure(`vsix: the installed extension did not run the worker (exit ${code}; see the output above)`);
  log(`vsix: the installed extension activated and served hello (${seconds(started)})`);
}

function probeTests(extensionsDir: string): string {
  return `// Generated by test/e2e/run.ts: checks the VSIX-installed Worker Studio, not the development copy.
const assert = require('node:assert/strict');
const vscode = require('vscode');
exports.run = async function run() {
  const ext = vscode.extensions.getExtension(${JSON.stringify(EXTENSION_ID)});
  assert.ok(ext, 'installed extension not found; extensions: ' + vscode.extensions.all.map((e) => e.id).join(', '));
  assert.ok(ext.extensionPath.startsWith(${JSON.stringify(extensionsDir)}), 'not the installed copy: ' + ext.extensionPath);
  await ext.activate();
  await vscode.commands.executeCommand('workerStudio.start');
  try {
    const result = await vscode.commands.executeCommand('workerStudio.sendRequest', { method: 'GET', path: '/' });
    assert.ok(result, 'workerStudio.sendRequest returned nothing (did workerStudio.start fail? see the extension log)');
    assert.equal(result.status, 200, JSON.stringify(result));
    assert.equal(result.body, 'Hello from Worker Studio!\\n');
    console.log('vsix probe: ' + ext.id + ' ' + ext.packageJSON.version + ' from ' + ext.extensionPath + ' answered GET / with ' + result.status);
  } finally {
    await vscode.commands.executeCommand('workerStudio.stop');
  }
};
`;
}

// ---------------------------------------------------------------------------------------------------------------------

/** The temp dir of this run: removed after a pass, kept (and named) after a failure or with WORKER_STUDIO_E2E_KEEP=1. */
let workDir: string | undefined;
function finishWorkDir(passed: boolean): void {
  if (!workDir) return;
  if (passed && process.env.WORKER_STUDIO_E2E_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  else console.error(`[e2e] kept ${workDir} (logs, workspace copy)`);
  workDir = undefined;
}

async function main(): Promise<number> {
  const started = performance.now();
  const nodeBin = node24();
  if (!existsSync(suiteEntry)) throw new Failure(`${path.relative(root, suiteEntry)} is missing: build first (node esbuild.mjs, or node esbuild.mjs e2e)`);
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main?: string };
  if (manifest.main && !existsSync(path.join(root, manifest.main))) log(`warning: ${manifest.main} is not built: the extension cannot activate`);

  const timeoutS = Number(process.env.WORKER_STUDIO_E2E_TIMEOUT ?? 300);
  const timer = setTimeout(() => {
    console.error(`[e2e] FAILED: timed out after ${timeoutS} s (WORKER_STUDIO_E2E_TIMEOUT); killing everything`);
    printDiagnostics();
    void cleanup().finally(() => {
      finishWorkDir(false);
      process.exit(1);
    });
  }, timeoutS * 1000);
  timer.unref();

  const host = await selectHost();
  if (host.kind === 'none') {
    if (CI) throw new Failure(`no VS Code host can run here (CI never skips): ${host.reason}`);
    log(`SKIPPED: no VS Code host can run here: ${host.reason}`);
    return 0;
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'worker-studio-e2e-'));
  workDir = work;
  const workspace = makeWorkspace(work);
  const env = { WORKER_STUDIO_NODE: nodeBin };
  log(`host ${host.kind}; workspace ${workspace}`);

  const suiteStarted = performance.now();
  const code =
    host.kind === 'electron'
      ? await runElectron(host.executable, workspace, work, env)
      : await runCodeServer(
          {
            label: 'suite',
            bin: host.bin,
            chromium: host.chromium,
            folder: workspace,
            extensionDevelopmentPath: extensionUnderTest,
            extensionTestsPath: suiteEntry,
            dir: path.join(work, 'suite'),
            env,
          },
          nodeBin,
        );
  log(`suite (${host.kind}): exit ${code} in ${seconds(suiteStarted)}`);
  const failures: string[] = [];
  if (code !== 0) {
    printDiagnostics();
    failures.push(`the E2E suite failed (exit ${code}); see the test output above`);
  }
  diagnostics.length = 0;
  await cleanup(); // stop the suite's code-server before the next one

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

if (process.argv[2] === '--electron-child') {
  await electronChild();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[e2e] ${signal}: stopping`);
      void cleanup().finally(() => {
        finishWorkDir(false);
        process.exit(130);
      });
    });
  }
  let code: number;
  try {
    code = await main();
  } catch (err) {
    console.error(err instanceof Failure ? `[e2e] FAILED: ${err.message}` : err);
    code = 1;
  }
  await cleanup();
  finishWorkDir(code === 0);
  process.exit(code);
}
