/**
 * The other workers a worker needs running beside it: those its service bindings (`services[].service`) and Durable
 * Object bindings (`script_name`) name, found among the workspace's worker configs by their `name`, and what those
 * need in turn. The extension starts them in the same sidecar (`dev -c this -c that`), so the bindings between
 * folders of a workspace — one per worker, or a multi-root workspace — work as in production.
 */
import { readBindings } from './bindings.ts';
import { resolveWorkerProject, type WorkerProject } from './workerProject.ts';

export interface Companion {
  /** The worker's wrangler config. */
  config: string;
  name: string;
  /** Why it runs: the binding that names it (`API → api`). */
  because: string;
}

/** The names of other workers `project`'s bindings reach, with the binding that names each. */
export function namedWorkers(project: WorkerProject): { name: string; binding: string }[] {
  return readBindings(project).flatMap((binding) => {
    if (binding.kind === 'service' && typeof binding.settings.service === 'string') return [{ name: binding.settings.service, binding: binding.name }];
    if (binding.kind === 'durableObject' && binding.scriptName) return [{ name: binding.scriptName, binding: binding.name }];
    return [];
  });
}

/**
 * The companions of the worker whose config is `config`, among `candidates` (wrangler configs of the workspace), in
 * the order they are first needed; a name no candidate has is left out (its binding then says it is not running).
 */
export function workerCompanions(config: string, candidates: readonly string[]): Companion[] {
  const byName = new Map<string, string>();
  for (const candidate of candidates) {
    try {
      const name = resolveWorkerProject(candidate).config?.name;
      if (name && !byName.has(name)) byName.set(name, candidate);
    } catch {
      // A broken config elsewhere in the workspace is that worker's problem, not this one's.
    }
  }
  const companions: Companion[] = [];
  const seen = new Set<string>([config]);
  const visit = (from: string) => {
    let project: WorkerProject;
    try {
      project = resolveWorkerProject(from);
    } catch {
      return;
    }
    if (project.config?.name) seen.add(byName.get(project.config.name) ?? from);
    for (const { name, binding } of namedWorkers(project)) {
      const target = byName.get(name);
      if (!target || seen.has(target)) continue;
      seen.add(target);
      companions.push({ config: target, name, because: `${binding} → ${name}` });
      visit(target);
    }
  };
  visit(config);
  return companions;
}
