/**
 * The bindings a wrangler config declares — what a worker finds on `env` — with where each is declared. One module
 * for everyone who needs them: the language server (the `Env` type, `unknown-binding`, hover, go to definition) and
 * the runtime (issue 7: building `env`).
 */
import { readFileSync } from 'node:fs';
import { lineColumnAt, type WorkerProject } from './workerProject.ts';

export type BindingKind =
  | 'var'
  | 'secret'
  | 'kv'
  | 'd1'
  | 'r2'
  | 'service'
  | 'durableObject'
  | 'queue'
  | 'ai'
  | 'analyticsEngine'
  | 'hyperdrive'
  | 'vectorize'
  | 'browser'
  | 'assets'
  | 'version'
  | 'dispatchNamespace'
  | 'mtlsCertificate'
  | 'workflow'
  | 'sendEmail'
  | 'rateLimit';

export interface BindingDeclaration {
  /** The name on `env`. */
  name: string;
  kind: BindingKind;
  /** The TypeScript type `env.<name>` has, as `wrangler types` writes it (e.g. `KVNamespace`, `"literal"`). */
  type: string;
  /** Where it is declared: the config (or `.dev.vars` / `.env` for secrets); 1-based line and column. */
  file: string;
  line: number;
  column: number;
  /** Selected `[env.<name>]` section it comes from, if any. */
  environment?: string;
}

/**
 * The bindings of a project's config. (First cut: `vars` only, at the line of their key; the other kinds, secrets and
 * environments follow.)
 */
export function readBindings(project: WorkerProject): BindingDeclaration[] {
  const file = project.configPath;
  const vars = project.config?.raw.vars;
  if (!file || typeof vars !== 'object' || vars === null || Array.isArray(vars)) return [];
  const text = readFileSync(file, 'utf8');
  return Object.entries(vars as Record<string, unknown>).map(([name, value]) => {
    const index = text.search(new RegExp(`^\\s*"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[=:]`, 'm'));
    const { line, column } = index < 0 ? { line: 1, column: 1 } : lineColumnAt(text, index);
    return { name, kind: 'var' as const, type: typeof value === 'string' ? JSON.stringify(value) : typeof value, file, line, column };
  });
}
