// `node bench/languageServer.ts [COLD_RUNS] [EDITS]` (after `npm run build`): how fast the language server's
// diagnostics come, beside typescript-language-server on the same files in the same run.
//   cold:  spawn the server, initialize, didOpen the entry of a realistic project (a Hono app over D1 and KV, seven
//          modules) → the first publishDiagnostics that has the entry's deliberate ts2322. Median of COLD_RUNS
//          (default 5) per server, the servers alternating.
//   edit:  on a 3,000-line worker, already open and checked: one incremental didChange that turns a line into a type
//          error, or back → the first publishDiagnostics that shows the change. p50 / p95 / max over EDITS (default 50),
//          after WARM_UP edits that are not counted (an editor's server is long-lived: its JIT and caches are warm).
// typescript-language-server (and the TypeScript it runs) is installed outside this repository:
//   npm install --prefix ~/.cache/worker-studio/bench-tsls typescript-language-server typescript@6.0.3
// (or set TSLS=/path/to/typescript-language-server). Without it only Worker Studio is measured.
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { quantile } from './lib.ts';
import { hasTsError, LspSession } from './lspSession.ts';
import { largeProject, MARKER, realisticProject, type BenchProject } from './workerProjects.ts';
import { repoRoot } from '../test/repo.ts';

const coldRuns = Number(process.argv[2] ?? 5);
const edits = Number(process.argv[3] ?? 50);
const WARM_UP = 10;
const tslsBin = process.env.TSLS ?? path.join(os.homedir(), '.cache/worker-studio/bench-tsls/node_modules/.bin/typescript-language-server');

interface Server {
  name: string;
  command: string;
  args: string[];
}

const servers: Server[] = [{ name: 'worker-studio lsp --stdio', command: process.execPath, args: [path.join(repoRoot, 'bin/worker-studio'), 'lsp', '--stdio'] }];
if (existsSync(tslsBin)) servers.push({ name: 'typescript-language-server --stdio', command: tslsBin, args: ['--stdio'] });
else console.error(`(typescript-language-server not found at ${tslsBin}: measuring Worker Studio alone)`);

/** Spawn → first diagnostics with the entry's type error. */
async function coldOnce(server: Server, project: BenchProject): Promise<number> {
  const started = performance.now();
  const session = new LspSession(server.command, server.args);
  try {
    await session.initialize(project.root);
    const uri = pathToFileURL(project.entry).href;
    const published = session.diagnostics(uri, (d) => hasTsError(d, 2322, project.line));
    await session.open(uri, project.text);
    return (await published) - started;
  } finally {
    await session.close();
  }
}

/** Per edit: didChange → the first diagnostics that reflect it. */
async function editTimes(server: Server, project: BenchProject): Promise<number[]> {
  const session = new LspSession(server.command, server.args);
  try {
    await session.initialize(project.root);
    const uri = pathToFileURL(project.entry).href;
    const opened = session.diagnostics(uri, (d) => !hasTsError(d, 2322, project.line));
    await session.open(uri, project.text);
    await opened;
    const line = project.line;
    const valueAt = MARKER.indexOf('0');
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + edits; i++) {
      const broken = i % 2 === 0;
      // Replace the value: `0` → `'x'` (a ts2322) or back, as typing over it would.
      const range = { start: { line, character: valueAt }, end: { line, character: valueAt + (broken ? 1 : 3) } };
      const shown = session.diagnostics(uri, (d) => hasTsError(d, 2322, line) === broken);
      const sent = performance.now();
      await session.change(uri, i + 2, [{ range, text: broken ? "'x'" : '0' }]);
      const at = await shown;
      if (i >= WARM_UP) times.push(at - sent);
    }
    return times;
  } finally {
    await session.close();
  }
}

const realistic = realisticProject();
const large = largeProject();
try {
  const cold = new Map(servers.map((s) => [s.name, [] as number[]]));
  for (let run = 0; run < coldRuns; run++) for (const server of servers) cold.get(server.name)!.push(await coldOnce(server, realistic));
  const editResults = new Map<string, number[]>();
  for (const server of servers) editResults.set(server.name, await editTimes(server, large));

  const ms = (n: number) => `${Math.round(n)} ms`;
  const rows = servers.map((s) => {
    const e = editResults.get(s.name)!;
    return [s.name, ms(quantile(cold.get(s.name)!, 0.5)), ms(quantile(e, 0.5)), ms(quantile(e, 0.95)), ms(Math.max(...e))];
  });
  const header = ['server', `cold: first diagnostics (median of ${coldRuns})`, `edit: p50 (${edits} edits after ${WARM_UP})`, 'edit: p95', 'edit: max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`Realistic project: ${path.relative(realistic.root, realistic.entry)} of a Hono app (7 modules); large: a ${large.text.split('\n').length}-line worker.`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log('Targets (Worker Studio): cold ≤ 1500 ms, edit p95 ≤ 150 ms.');
} finally {
  rmSync(realistic.root, { recursive: true, force: true });
  rmSync(large.root, { recursive: true, force: true });
}
