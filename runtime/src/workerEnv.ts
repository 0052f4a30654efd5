/**
 * The worker's `env`, read from the project as wrangler reads it (common/bindings.ts readBindings — the same reader the
 * language server types `Env` with): `vars` (strings and JSON values) and local secrets (`.dev.vars[.<env>]`, else
 * `.env*`), for the selected `[env.<name>]`, and the bindings it provides. Bindings the runtime does not provide yet are left out of
 * `env` and named once per load, with where the config declares them, so a worker that reads them fails knowingly.
 */
import path from 'node:path';
import { bindingProblems, readBindings, type BindingDeclaration } from '../../common/bindings.ts';
import { ProjectError, type WorkerProject } from '../../common/workerProject.ts';
import { PROVIDED_KINDS } from './bindings/bindingHost.ts';

export interface WorkerEnv {
  /** Plain data, copied into each instance. */
  values: Record<string, unknown>;
  /** The bindings the runtime provides (runtime/src/bindings/bindingHost.ts PROVIDED_KINDS). */
  bindings: BindingDeclaration[];
  /** Declared bindings the runtime does not provide, for a warning: `env.NAME (kind, file:line)`. */
  unsupported: string[];
}

export function workerEnv(project: WorkerProject): WorkerEnv {
  // A declaration the runtime can't use is the config's error, with its place (file:line: key: what is wrong).
  if (project.configPath && project.config) {
    const [problem] = bindingProblems(project.configPath, project.config, project.environment);
    if (problem) throw new ProjectError(`\`${problem.key}\` ${problem.message}`, problem.file, problem.line, problem.column);
  }
  const values: Record<string, unknown> = {};
  const unsupported: string[] = [];
  const bindings: BindingDeclaration[] = [];
  for (const binding of readBindings(project)) {
    if (binding.kind === 'var') values[binding.name] = binding.value;
    else if (binding.kind === 'secret') {
      // A secret the config requires (`secrets.required`) but no local file sets stays unset, as under wrangler.
      if (typeof binding.value === 'string') values[binding.name] = binding.value;
    } else if (PROVIDED_KINDS.has(binding.kind)) bindings.push(binding);
    else unsupported.push(describe(binding, project.root));
  }
  return { values, bindings, unsupported };
}

function describe(binding: BindingDeclaration, root: string): string {
  return `env.${binding.name} (${binding.kind}, ${path.relative(root, binding.file) || binding.file}:${binding.line})`;
}

/** The files secrets may come from (existing or not): a save of any of them reloads the worker. */
export function secretFileCandidates(project: WorkerProject): string[] {
  const environment = project.environment;
  const names = ['.dev.vars', '.env', '.env.local'];
  if (environment !== undefined) names.push(`.dev.vars.${environment}`, `.env.${environment}`, `.env.${environment}.local`);
  return names.map((name) => path.join(project.root, name));
}
