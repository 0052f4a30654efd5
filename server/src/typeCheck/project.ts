/**
 * One in-memory TypeScript program per worker project: its root files are the Workers types, the virtual Env
 * declarations, the entry and any other document of the project the editor has open.
 */
import path from 'node:path';
import ts from 'typescript';
import type { WorkerProject } from '../../../common/workerProject.ts';
import { readBindings, type BindingDeclaration } from '../../../common/bindings.ts';
import type { TypeCheckAssets } from './assets.ts';
import { resolveCompilerOptions } from './compilerOptions.ts';
import { ENV_FILE_NAME, envDeclaration } from './env.ts';
import { WorkerServiceHost, type DocumentSource } from './host.ts';

export interface TypeCheckProjectOptions {
  /** The project folder (where the wrangler config is). */
  root: string;
  /** The worker's entry, when known: the file the handler rules apply to. */
  entry?: string;
  /** The resolved worker project, for the Env declarations. */
  workerProject?: WorkerProject;
  assets: TypeCheckAssets;
  documents: DocumentSource;
  /** Overrides the options derived from the project's tsconfig.json (tests). */
  compilerOptions?: ts.CompilerOptions;
}

export class TypeCheckProject {
  readonly root: string;
  readonly entry: string | undefined;
  readonly envFile: string;
  readonly tsconfigPath: string | undefined;
  /** The wrangler config, when the project has one. */
  readonly configPath: string | undefined;
  #workerProject: WorkerProject | undefined;
  #bindings: BindingDeclaration[] | undefined;
  readonly service: ts.LanguageService;
  private readonly host: WorkerServiceHost;

  constructor(options: TypeCheckProjectOptions) {
    this.root = path.resolve(options.root);
    this.entry = options.entry && path.resolve(options.entry);
    this.envFile = path.join(this.root, ENV_FILE_NAME);
    this.configPath = options.workerProject?.configPath;
    this.#workerProject = options.workerProject;
    let compilerOptions = options.compilerOptions;
    if (!compilerOptions) {
      const resolved = resolveCompilerOptions(this.entry ? path.dirname(this.entry) : this.root, this.root);
      compilerOptions = resolved.options;
      this.tsconfigPath = resolved.tsconfigPath;
    }
    this.host = new WorkerServiceHost(this.root, compilerOptions, options.assets, options.documents);
    this.host.setVirtualFile(this.envFile, envDeclaration(options.workerProject));
    if (this.entry) this.host.addRoot(this.entry);
    this.service = ts.createLanguageService(this.host, ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, this.root));
  }

  /** Makes sure an open document is part of this program (imported or not). */
  include(fileName: string): void {
    this.host.addRoot(path.resolve(fileName));
  }

  /** Documents or files changed: the next query re-reads versions. */
  invalidate(): void {
    this.host.markChanged();
  }

  /** Recomputes the Env declarations (after the wrangler config changed). */
  updateEnv(workerProject: WorkerProject | undefined): void {
    this.#workerProject = workerProject;
    this.#bindings = undefined;
    this.host.setVirtualFile(this.envFile, envDeclaration(workerProject));
  }

  /** The bindings the config declares (undefined without a config). */
  bindings(): BindingDeclaration[] | undefined {
    if (!this.#workerProject?.configPath) return undefined;
    return (this.#bindings ??= readBindings(this.#workerProject));
  }

  compatibilityFlags(): readonly string[] {
    return this.#workerProject?.config?.compatibility_flags ?? [];
  }

  program(): ts.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error(`no program for ${this.root}`);
    return program;
  }

  /** The project's own source files in the program: under the root, not .d.ts, not node_modules. */
  ownFiles(): string[] {
    const prefix = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
    return this.program()
      .getSourceFiles()
      .map((sf) => path.resolve(sf.fileName))
      .filter((f) => f.startsWith(prefix) && !f.endsWith('.d.ts') && !f.split(path.sep).includes('node_modules') && !f.endsWith('.json'))
      .sort();
  }
}
