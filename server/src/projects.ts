/**
 * Which worker project a document belongs to: the wrangler config in the document's folder or its ancestors
 * (not above the workspace folder that holds it), resolved through common/workerProject.ts. One TypeCheckProject per
 * config; documents with no config share a project rooted at their workspace folder (or their own folder).
 */
import path from 'node:path';
import { findConfigFile, ProjectError, resolveWorkerProject, type WorkerProject } from '../../common/workerProject.ts';
import type { TypeCheckAssets } from './typeCheck/assets.ts';
import type { DocumentSource } from './typeCheck/host.ts';
import { TypeCheckProject } from './typeCheck/project.ts';

export class ProjectRegistry {
  private readonly projects = new Map<string, TypeCheckProject>();
  private readonly assets: TypeCheckAssets;
  private readonly documents: DocumentSource;
  private readonly log: (message: string) => void;
  private workspaceRoots: string[] = [];

  constructor(assets: TypeCheckAssets, documents: DocumentSource, log: (message: string) => void) {
    this.assets = assets;
    this.documents = documents;
    this.log = log;
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

  private create(configPath: string | undefined, root: string): TypeCheckProject {
    let workerProject: WorkerProject | undefined;
    if (configPath) {
      try {
        workerProject = resolveWorkerProject(configPath);
      } catch (err) {
        if (!(err instanceof ProjectError)) throw err;
        this.log(`worker-studio: ${err.message}`);
      }
    }
    const options = { root: workerProject?.root ?? root, assets: this.assets, documents: this.documents };
    return new TypeCheckProject(workerProject ? { ...options, entry: workerProject.entry, workerProject } : options);
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
