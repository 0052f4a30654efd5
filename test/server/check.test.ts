// `worker-studio check` as users (and CI) run it: the real bin, exit codes, text and JSON output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { bin, ensureBuilt, fixture, positionOf, repoRoot } from './helpers.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function check(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'check', ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('worker-studio check', { timeout: 30_000 }, () => {
  before(() => ensureBuilt());

  const badEntry = path.join(fixture('bad-handler'), 'src', 'index.ts');
  const badText = readFileSync(badEntry, 'utf8');
  const fetchAt = positionOf(badText, 'fetch(');

  it('--format json: exit 1 and the handler-type entry at the 1-based position of `fetch`', async () => {
    const run = await check('test/fixtures/bad-handler', '--format', 'json');
    assert.equal(run.code, 1, run.stderr);
    const entries = JSON.parse(run.stdout) as { file: string; line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }[];
    assert.equal(entries.length, 1, run.stdout);
    assert.deepEqual(
      { ...entries[0], message: undefined },
      { file: badEntry, line: fetchAt.line + 1, column: fetchAt.character + 1, endLine: fetchAt.line + 1, endColumn: fetchAt.character + 6, severity: 'error', code: 'handler-type', message: undefined },
    );
    assert.match(entries[0]!.message, /^fetch handler must return Response \| Promise<Response>/);
  });

  it('text format: file:line:col - error handler-type: …, then the summary', async () => {
    const run = await check('test/fixtures/bad-handler');
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^test/fixtures/bad-handler/src/index\\.ts:${fetchAt.line + 1}:${fetchAt.character + 1} - error handler-type: fetch handler must return `));
    assert.equal(lines.at(-1), '1 error, 0 warnings');
  });

  it('reports TS errors of other project files as ts<code>', async () => {
    const run = await check('test/fixtures/server-ts-error', '--format=json');
    assert.equal(run.code, 1);
    const entries = JSON.parse(run.stdout) as { file: string; code: string; line: number }[];
    assert.deepEqual(entries.map((e) => [path.basename(e.file), e.code, e.line]), [['greeting.ts', 'ts2322', 2]]);
  });

  it('examples/hello and a good handler: exit 0, no diagnostics', async () => {
    const hello = await check('examples/hello');
    assert.equal(hello.code, 0, hello.stdout + hello.stderr);
    assert.equal(hello.stdout, '0 errors, 0 warnings\n');
    const good = await check(fixture('good-handler'), '--format', 'json');
    assert.equal(good.code, 0, good.stdout);
    assert.deepEqual(JSON.parse(good.stdout), []);
  });

  it('--format json: quick fixes with their edits (1-based), an edit in the config too; text output is unchanged', async () => {
    const root = fixture('server-quick-fixes');
    const run = await check('test/fixtures/server-quick-fixes', '--format', 'json');
    assert.equal(run.code, 1, run.stderr);
    const entries = JSON.parse(run.stdout) as { code: string; fixes?: { title: string; edits: { file: string; line: number; column: number; endLine: number; endColumn: number; newText: string }[] }[] }[];
    const byCode = (code: string) => entries.find((e) => e.code === code)!;
    assert.deepEqual(byCode('node-builtin-without-compat').fixes, [
      {
        title: 'Add nodejs_compat to compatibility_flags in wrangler.toml',
        edits: [{ file: path.join(root, 'wrangler.toml'), line: 4, column: 1, endLine: 4, endColumn: 1, newText: 'compatibility_flags = ["nodejs_compat"]\n' }],
      },
    ]);
    assert.deepEqual(byCode('unknown-binding').fixes![0]!.edits, [{ file: path.join(root, 'src', 'index.ts'), line: 6, column: 37, endLine: 6, endColumn: 45, newText: 'API_HOST' }]);
    assert.equal(entries.filter((e) => e.code === 'unknown-binding').at(-1)!.fixes, undefined, 'no key when there is no fix');
    const text = await check('test/fixtures/server-quick-fixes');
    assert.deepEqual(text.stdout.trimEnd().split('\n').map((line) => line.split(' - ')[1]?.split(':')[0] ?? line), [
      'error node-builtin-without-compat',
      'error unknown-binding',
      'error unknown-binding',
      '3 errors, 0 warnings',
    ]);
    assert.doesNotMatch(text.stdout, /Add nodejs_compat/);
  });

  it('exit 2 with a located message for a missing path, a folder without config, a bad option', async () => {
    const missing = await check('test/fixtures/does-not-exist');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does-not-exist: no such file or folder/);

    const empty = mkdtempSync(path.join(os.tmpdir(), 'ws-check-'));
    try {
      const noConfig = await check(empty);
      assert.equal(noConfig.code, 2);
      assert.match(noConfig.stderr, /no wrangler\.json/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    const usage = await check('--format', 'xml');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--format must be text or json/);
  });

  it('prints the config\'s own diagnostics; a main that does not exist is one (exit 1), not a usage error', async () => {
    const badMain = await check('test/fixtures/server-missing-main');
    assert.equal(badMain.code, 1, badMain.stderr);
    assert.equal(
      badMain.stdout,
      'test/fixtures/server-missing-main/wrangler.toml:2:8 - error config-missing-main: "main" points at src/does-not-exist.ts, which does not exist. The worker cannot be built or run without its entry module.\n1 error, 0 warnings\n',
    );

    const toml = await check('test/fixtures/server-config-toml', '--format', 'json');
    assert.equal(toml.code, 1);
    const configPath = path.join(fixture('server-config-toml'), 'wrangler.toml');
    const entries = JSON.parse(toml.stdout) as { file: string; line: number; column: number; code: string; severity: string }[];
    assert.deepEqual(
      entries.map((e) => [path.relative(fixture('server-config-toml'), e.file), e.line, e.column, e.severity, e.code]),
      [
        ['wrangler.toml', 4, 1, 'warning', 'config-unknown-key'],
        ['wrangler.toml', 11, 12, 'error', 'config-duplicate-binding'],
        ['wrangler.toml', 15, 8, 'error', 'config-missing-main'],
        ['wrangler.toml', 16, 1, 'warning', 'config-unknown-key'],
      ],
    );
    assert.equal(entries[0]!.file, configPath);

    const jsonc = await check('test/fixtures/server-config-jsonc');
    assert.equal(jsonc.code, 1);
    assert.match(jsonc.stdout, /^test\/fixtures\/server-config-jsonc\/wrangler\.jsonc:6:3 - warning config-unknown-key: Unknown key "compatibilty_flags"; did you mean "compatibility_flags"\?/m);
    assert.equal(jsonc.stdout.trimEnd().split('\n').at(-1), '2 errors, 1 warning');
  });
});
