// The accuracy corpus (test/fixtures/lint-corpus, see its README): every case through the real LSP protocol and
// through `worker-studio check --format json`, scored per rule against the `// expect: <code>` marks in the sources.
// Prints precision and recall per rule for each channel and fails unless both are 100% for every rule.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { bin, ensureBuilt, fixture, repoRoot } from './helpers.ts';
import { LspTestClient } from './lspClient.ts';

const corpus = fixture('lint-corpus');
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const EXPECT = /(?:\/\/|#)\s*expect:\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*$/;

/** Every rule of issue 5: each must have positive cases in the corpus (and every file without its mark is a negative). */
const ISSUE_RULES = [
  'handler-type',
  'mutable-global-state',
  'request-state-in-global',
  'floating-promise',
  'unknown-binding',
  'service-worker-syntax',
  'node-builtin-without-compat',
];

interface Case {
  name: string;
  /** What `worker-studio check` is given: the file, or the folder with the wrangler.toml. */
  target: string;
  /** The case's source files (absolute): opened in the editor, scanned for marks. */
  files: string[];
}

/** One diagnostic, or one expectation: `relative/file.ts:line code` (1-based line). */
type Finding = string;

interface Found {
  finding: Finding;
  message: string;
}

function sourceFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => SOURCE.test(name) && !name.split(path.sep).includes('node_modules'))
    .map((name) => path.join(dir, name))
    .sort();
}

function discoverCases(): Case[] {
  return readdirSync(corpus)
    .sort()
    .flatMap((name): Case[] => {
      const full = path.join(corpus, name);
      if (statSync(full).isDirectory()) return [{ name, target: full, files: sourceFilesUnder(full) }];
      return SOURCE.test(name) ? [{ name, target: full, files: [full] }] : [];
    });
}

const finding = (file: string, line: number, code: string): Finding => `${path.relative(corpus, file)}:${line} ${code}`;
const codeOf = (f: Finding) => f.slice(f.lastIndexOf(' ') + 1);

function expectationsOf(cases: Case[]): Set<Finding> {
  const expected = new Set<Finding>();
  for (const file of cases.flatMap((c) => c.files)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        const codes = EXPECT.exec(text)?.[1];
        for (const code of codes?.split(',') ?? []) expected.add(finding(file, index + 1, code.trim()));
      });
  }
  return expected;
}

interface CheckEntry {
  file: string;
  line: number;
  code: string;
  message: string;
}

function check(target: string): Promise<CheckEntry[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, 'check', target, '--format', 'json'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      if (code !== 0 && code !== 1) reject(new Error(`worker-studio check ${target} exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as CheckEntry[]);
    });
  });
}

/** Runs `check` on every case, as many at a time as there are cores. */
async function viaCheck(cases: Case[]): Promise<Found[]> {
  const found: Found[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      for (const entry of await check(next.target)) found.push({ finding: finding(entry.file, entry.line, entry.code), message: entry.message });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, os.availableParallelism()) }, worker));
  return found;
}

/**
 * Opens every case's files in one language server (the corpus folder is the workspace) and takes what it publishes.
 * Each check round diagnoses every open document, in the order they were opened, so once the last document's first
 * diagnostics arrive, every document has been published in a round that saw all of them.
 */
async function viaLsp(client: LspTestClient, cases: Case[]): Promise<Found[]> {
  const files = cases.flatMap((c) => c.files);
  for (const file of files) await client.open(pathToFileURL(file).href, readFileSync(file, 'utf8'), /\.[cm]?tsx?$/.test(file) ? 'typescript' : 'javascript');
  await client.diagnostics(pathToFileURL(files.at(-1)!).href);
  const found: Found[] = [];
  for (const file of files) {
    const uri = pathToFileURL(file).href;
    // Already published (resolves at once) or never: then the second promise wins the race.
    const published = await Promise.race([client.diagnostics(uri), Promise.resolve(undefined)]);
    assert.ok(published, `the server published nothing for ${path.relative(corpus, file)}; stderr:\n${client.stderr.join('')}`);
    for (const d of (published as PublishDiagnosticsParams).diagnostics) {
      const message = typeof d.message === 'string' ? d.message : d.message.value;
      found.push({ finding: finding(fileURLToPath(uri), d.range.start.line + 1, String(d.code)), message });
    }
  }
  return found;
}

interface Score {
  rule: string;
  expected: number;
  found: number;
  truePositives: number;
  falsePositives: string[];
  falseNegatives: string[];
}

function score(expected: Set<Finding>, found: Found[]): Score[] {
  const actual = new Map(found.map((f) => [f.finding, f.message]));
  const rules = [...new Set([...ISSUE_RULES, ...[...expected, ...actual.keys()].map(codeOf)])];
  return rules.map((rule) => {
    const mine = (f: Finding) => codeOf(f) === rule;
    const expectedHere = [...expected].filter(mine);
    const foundHere = [...actual.keys()].filter(mine);
    return {
      rule,
      expected: expectedHere.length,
      found: foundHere.length,
      truePositives: foundHere.filter((f) => expected.has(f)).length,
      falsePositives: foundHere.filter((f) => !expected.has(f)).map((f) => `${f}: ${actual.get(f)}`),
      falseNegatives: expectedHere.filter((f) => !actual.has(f)),
    };
  });
}

const percent = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`);

function table(channel: string, scores: Score[]): string[] {
  const header = ['rule', 'expected', 'found', 'TP', 'FP', 'FN', 'precision', 'recall'];
  const rows = scores.map((s) => [
    s.rule,
    String(s.expected),
    String(s.found),
    String(s.truePositives),
    String(s.falsePositives.length),
    String(s.falseNegatives.length),
    percent(s.truePositives, s.found),
    percent(s.truePositives, s.expected),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [channel, line(header), ...rows.map(line)];
}

function assertPerfect(channel: string, scores: Score[]): void {
  const problems = scores.flatMap((s) => [
    ...(ISSUE_RULES.includes(s.rule) && s.expected === 0 ? [`${s.rule}: no positive case in the corpus`] : []),
    ...s.falseNegatives.map((f) => `missed ${f}`),
    ...s.falsePositives.map((f) => `unexpected ${f}`),
  ]);
  assert.deepEqual(problems, [], `${channel}: the corpus needs 100% precision and recall`);
}

describe('lint corpus: precision and recall per rule', { timeout: 300_000 }, () => {
  const cases = discoverCases();
  const expected = expectationsOf(cases);
  let client: LspTestClient;

  before(async () => {
    ensureBuilt();
    client = new LspTestClient();
    await client.initialize(corpus);
  });

  after(() => client.kill());

  it(`has at least 60 cases (${cases.length})`, () => {
    assert.ok(cases.length >= 60, `${cases.length} cases`);
  });

  it('over the LSP protocol', async (t) => {
    const scores = score(expected, await viaLsp(client, cases));
    for (const text of table('language server (LSP, stdio)', scores)) t.diagnostic(text);
    assertPerfect('LSP', scores);
  });

  it('through worker-studio check --format json', async (t) => {
    const scores = score(expected, await viaCheck(cases));
    for (const text of table('worker-studio check --format json', scores)) t.diagnostic(text);
    assertPerfect('check', scores);
  });
});
