// `npm test [-- TIER…]`: the whole suite, in tiers. Tiers: typecheck, unit, runtime, parity, bindings, server, e2e (default: all, in that order).
// Each tier runs even when an earlier one failed; the exit code is non-zero when any failed. With CI=true a tier that
// cannot run (no tests found, no VS Code host) fails with its reason: nothing is skipped.
import { spawn } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootstrap, root } from './bootstrap.mjs';

bootstrap();

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const nodeTests = (patterns) => () => {
  const files = patterns.flatMap((pattern) => globSync(pattern, { cwd: root, exclude: (f) => f.includes('node_modules') }));
  if (files.length === 0) return { error: `no test files match ${patterns.join(', ')}` };
  return { command: process.execPath, args: ['--test', '--test-concurrency=1', ...files], reporter: 'node' };
};

/** @type {Record<string, () => ({command: string, args: string[], reporter?: 'node'|'mocha'} | {error: string})[] | any>} */
const tiers = {
  typecheck: () => ({
    command: 'bash',
    args: ['-c', `set -e; for p in . runtime/isolate client/webview; do echo "tsc -p $p"; "${process.execPath}" "${tsc}" --noEmit -p "$p"; done`],
  }),
  unit: nodeTests(['{common,cli,runtime/src,server/src,syntaxes}/**/*.test.ts']),
  runtime: nodeTests(['test/runtime/**/*.test.ts']),
  // The differential suite against workerd: test/fixtures/parity/* (see test/fixtures/parity/README.md).
  parity: nodeTests(['test/parity/**/*.test.ts']),
  // Bindings (KV, …) against Miniflare (workerd with simulated bindings), and their persistence: test/bindings/.
  bindings: nodeTests(['test/bindings/**/*.test.ts']),
  server: nodeTests(['test/server/**/*.test.ts']),
  e2e: () => ({ command: process.execPath, args: [path.join(root, 'test/e2e/run.ts')], reporter: 'mocha' }),
};

const selected = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(tiers);
const unknown = selected.filter((t) => !(t in tiers));
if (unknown.length > 0) {
  console.error(`unknown tier(s): ${unknown.join(', ')}; tiers: ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}

/** Runs a command, echoing its output, and returns its exit code and the counts its test reporter printed. */
function runTier(plan) {
  return new Promise((resolve) => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ws-test-'));
    const tap = path.join(tmp, 'report.tap');
    const args =
      plan.reporter === 'node'
        ? [plan.args[0], '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...plan.args.slice(1)]
        : plan.args;
    let output = '';
    const child = spawn(plan.command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('exit', (code, signal) => {
      let passed = 0;
      let failed = 0;
      if (plan.reporter === 'node') {
        const report = readFileSync(tap, 'utf8');
        passed = Number(/^# pass (\d+)/m.exec(report)?.[1] ?? 0);
        failed = Number(/^# fail (\d+)/m.exec(report)?.[1] ?? 0);
      } else if (plan.reporter === 'mocha') {
        // The E2E tier runs more than one mocha suite (the main run, the untrusted-workspace run): all of them count.
        const total = (pattern) => [...output.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
        passed = total(/(\d+) passing/g);
        failed = total(/(\d+) failing/g);
      }
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code: code ?? (signal ? 1 : 0), passed, failed });
    });
  });
}

const results = [];
for (const name of selected) {
  console.log(`\n━━━ tier: ${name} ━━━`);
  const started = performance.now();
  const plan = tiers[name]();
  const outcome = 'error' in plan ? (console.error(`tier ${name} cannot run: ${plan.error}`), { code: 1, passed: 0, failed: 1 }) : await runTier(plan);
  const seconds = (performance.now() - started) / 1000;
  const ok = outcome.code === 0 && outcome.failed === 0;
  results.push({ name, ok, seconds, ...outcome });
}

console.log('\n━━━ summary ━━━');
for (const r of results) {
  const counts = r.passed || r.failed ? ` ${r.passed} passed, ${r.failed} failed` : '';
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(10)} ${r.seconds.toFixed(1).padStart(6)} s${counts}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed + (r.ok || r.failed ? 0 : 1), 0);
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
