// What the runner prints: progress lines, failures, and the diagnostics that explain a failure (log tails of the hosts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A failure whose message says everything: printed as is, exit 1. */
export class Failure extends Error {}

export const log = (message: string) => console.log(`[e2e] ${message}`);
export const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// Each host registers what to print when the run fails; printed only then, so a passing run stays short.
const diagnostics: Array<() => void> = [];

export function addDiagnostics(fn: () => void): void {
  diagnostics.push(fn);
}

export function printDiagnostics(): void {
  for (const fn of diagnostics) {
    try {
      fn();
    } catch (err) {
      console.error(`[e2e] (diagnostics failed: ${String(err)})`);
    }
  }
}

/** Forgets what the finished hosts registered, so a later failure prints only its own. */
export function clearDiagnostics(): void {
  diagnostics.length = 0;
}

export function tail(file: string, lines: number): string {
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

export function printSection(title: string, body: string): void {
  console.error(`\n----- ${title} -----\n${body}\n----- end of ${title} -----`);
}

export function printExtensionHostLogs(logsDir: string, browserLogsDir?: string): void {
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
