/**
 * The secrets a worker gets in local development, read as wrangler reads them: from `.dev.vars` or, when there is none,
 * from `.env` files, beside the wrangler config
 * (https://developers.cloudflare.com/workers/local-development/environment-variables/):
 * - with an environment selected, `.dev.vars.<env>` is used instead of `.dev.vars` when it exists (never both);
 * - without any `.dev.vars*`, the `.env` files are merged, the most specific winning:
 *   `.env.<env>.local` > `.env.local` > `.env.<env>` > `.env`.
 * The files are dotenv syntax, parsed with dotenv's own line grammar (the parser wrangler uses), keeping where each key
 * is written so the editor can point at it.
 */
import path from 'node:path';
import { lineColumnAt, type ReadText } from './workerProject.ts';

export interface LocalSecret {
  name: string;
  value: string;
  /** Absolute path of the file that sets it (the most specific one, for merged `.env` files). */
  file: string;
  /** 1-based position of the key, and the end of it. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface DotenvEntry {
  name: string;
  value: string;
  /** Offsets of the key in the text. */
  start: number;
  end: number;
}

/**
 * dotenv's LINE expression (dotenv/lib/main.js), with the `d` flag for the key's offsets: `KEY=value`,
 * `export KEY=value`, `KEY: value`, single/double/backtick-quoted values (multi-line), `# comments`.
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

/** Parses dotenv text; a later line for the same key wins, as in dotenv. */
export function parseDotenv(text: string): DotenvEntry[] {
  // dotenv normalises line ends first; replacing CR LF by a space and LF keeps every offset where it was.
  const lines = text.replace(/\r\n/g, ' \n').replace(/\r/g, '\n');
  const entries = new Map<string, DotenvEntry>();
  for (const match of lines.matchAll(LINE)) {
    const name = match[1]!;
    const [start, end] = match.indices![1]!;
    let value = (match[2] ?? '').trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
    if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    entries.delete(name);
    entries.set(name, { name, value, start, end });
  }
  return [...entries.values()];
}

/** The files wrangler would read secrets from, most specific last, for a project folder and an environment. */
export function localSecretFiles(root: string, environment: string | undefined, readText: ReadText): { file: string; text: string }[] {
  const read = (name: string) => {
    const file = path.join(root, name);
    const text = readText(file);
    return text === undefined ? undefined : { file, text };
  };
  const devVars = (environment !== undefined ? read(`.dev.vars.${environment}`) : undefined) ?? read('.dev.vars');
  if (devVars) return [devVars];
  const names = environment !== undefined ? ['.env', `.env.${environment}`, '.env.local', `.env.${environment}.local`] : ['.env', '.env.local'];
  return names.map(read).filter((found) => found !== undefined);
}

/** The local secrets of a project folder, each from the file that sets it. */
export function readLocalSecrets(root: string, environment: string | undefined, readText: ReadText): LocalSecret[] {
  const secrets = new Map<string, LocalSecret>();
  for (const { file, text } of localSecretFiles(root, environment, readText)) {
    for (const entry of parseDotenv(text)) {
      const start = lineColumnAt(text, entry.start);
      const end = lineColumnAt(text, entry.end);
      secrets.delete(entry.name);
      secrets.set(entry.name, { name: entry.name, value: entry.value, file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column });
    }
  }
  return [...secrets.values()];
}
