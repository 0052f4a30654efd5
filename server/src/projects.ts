/**
 * Which worker project a document belongs to: the wrangler config in the document's folder or its ancestors
 * (not above the workspace folder that holds it), resolved through common/workerProject.ts. One TypeCheckProject per
 * config; documents with no config share a project rooted at their workspace folder (or their own folder).
 * Configs are read through the editor's text when the config is open (unsaved edits count) and re-read before every
 * check (refresh), so Env follows the config live; a config that stops parsing keeps its last good bindings.
 */
import path from 'node:path';
import {
  findConfigFile,
  ProjectError,
  readTextFromDisk,
  resolveWorkerProject,
  UnknownEnvironmentError,
  type ReadText,
  type WorkerProject,
} from '../../common/workerProject.ts';
import type { TypeCheckAssets } from './typeCheck/assets.ts';
import type { DocumentSource } from './typeCheck/host.ts';
import { TypeCheckProject } from './typeCheck/project.ts';

export class ProjectRegistry {
  private readonly projects = new Map<string, TypeCheckProject>();
  private readonly assets: TypeCheckAssets;
  private readonly documents: DocumentSource;
  private readonly log: (message: string) => void;
  private workspaceRoots: string[] = [];
  /** The `[env.<name>]` the editor works against (initializationOptions.environment), if any. */
  private environment: string | undefined;
  /** The last resolution error logged per config, so an unchanged error is logged once, not on every check. */
  private readonly loggedErrors = new Map<string, string>();
  /** Open documents first, then the disk. */
  readonly readText: ReadText;

  constructor(assets: TypeCheckAssets, documents: DocumentSource, log: (message: string) => void) {
    this.assets = assets;
    this.documents = documents;
    this.log = log;
    this.readText = (file) => this.documents.get(file)?.text ?? readTextFromDisk(file);
  }

  setEnvironment(environment: string | undefined): void {
    this.environment = environment;
  }

  /**
   * Re-reads every project's config (the editor's text or the disk) and its local secrets. A project whose entry
   * changed is replaced; the others get their new bindings. A config that does not resolve keeps the last good one.
   */
  refresh(): void {
    for (const [key, project] of this.projects) {
      if (!project.configPath) continue;
      const workerProject = this.resolve(project.configPath);
      if (!workerProject) continue;
      if (workerProject.entry !== project.entry || workerProject.root !== project.root) this.projects.set(key, this.create(project.configPath, key, workerProject));
      else project.updateEnv(workerProject);
    }
  }

  /** The wrangler configs of the known projects. */
  configPaths(): string[] {
    return [...new Set(this.all().flatMap((p) => (p.configPath ? [p.configPath] : [])))];
  }

  setWorkspaceRoots(roots: string[]): void {
    this.workspaceRoots = roots.map((r) => path.resolve(r));
  }

  /** The project for a file, created on first use. */
  projectFor(fileName: string): TypeCheckProject {
    const file = path.resolve(fileName);
    const stop = this.workspaceRootOf(file);
    const configPath = this.findConfig(path.dirname(file), stop);
    const key = configPath ?? stop ?? path.dirname(file);
    let project = this.projects.get(key);
    if (!project) {
      project = this.create(configPath, key);
      this.projects.set(key, project);
    }
    return project;
  }

  all(): TypeCheckProject[] {
    return [...this.projects.values()];
  }

  /** Forgets every project (the configs may have changed). */
  reset(): void {
    this.projects.clear();
  }

  private create(configPath: string | undefined, root: string, resolved?: WorkerProject): TypeCheckProject {
    const workerProject = resolved ?? (configPath ? this.resolve(configPath) : undefined);
    const options = { root: workerProject?.root ?? root, assets: this.assets, documents: this.documents, readText: this.readText, ...(configPath ? { configPath } : {}) };
    return new TypeCheckProject(workerProject ? { ...options, entry: workerProject.entry, workerProject } : options);
  }

  /**
   * The project a config describes, or undefined (logged once) when it does not resolve. A config without the
   * selected environment is used at its top level (the environment may be meant for another project).
   */
  private resolve(configPath: string): WorkerProject | undefined {
    try {
      try {
        const project = resolveWorkerProject(configPath, { readText: this.readText, ...(this.environment !== undefined ? { environment: this.environment } : {}) });
        this.loggedErrors.delete(configPath);
        return project;
      } catch (err) {
        if (!(err instanceof UnknownEnvironmentError)) throw err;
        this.logOnce(configPath, `${err.message}; using its top level`);
        return resolveWorkerProject(configPath, { readText: this.readText });
      }
    } catch (err) {
      if (!(err instanceof ProjectError)) throw err;
      this.logOnce(configPath, err.message);
      return undefined;
    }
  }

  private logOnce(configPath: string, message: string): void {
    if (this.loggedErrors.get(configPath) !== message) this.log(`worker-studio: ${message}`);
    this.loggedErrors.set(configPath, message);
  }

  private workspaceRootOf(file: string): string | undefined {
    return this.workspaceRoots.filter((root) => file === root || file.startsWith(root + path.sep)).sort((a, b) => b.length - a.length)[0];
  }

  private findConfig(fromDir: string, stop: string | undefined): string | undefined {
    let dir = fromDir;
    for (;;) {
      const config = findConfigFile(dir);
      if (config) return config;
      const parent = path.dirname(dir);
      if (dir === stop || parent === dir) return undefined;
      dir = parent;
    }
  }
}
