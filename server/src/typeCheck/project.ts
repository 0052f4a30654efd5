/**
 * One in-memory TypeScript program per worker project: its root files are the Workers types, the virtual Env
 * declarations, the entry and any other document of the project the editor has open. The Env declarations follow the
 * config's bindings (updateEnv) and the entry's shape (its format and exports), re-derived whenever the program is.
 */
import path from 'node:path';
import ts from 'typescript';
import { readTextFromDisk, type ReadText, type WorkerProject } from '../../../common/workerProject.ts';
import { readBindings, type BindingDeclaration } from '../../../common/bindings.ts';
import type { TypeCheckAssets } from './assets.ts';
import { resolveCompilerOptions } from './compilerOptions.ts';
import { ENV_FILE_NAME, envDeclaration, entryShape, importSpecifier, type EnvEntry } from './env.ts';
import { WorkerServiceHost, type DocumentSource } from './host.ts';

export interface TypeCheckProjectOptions {
  /** The project folder (where the wrangler config is). */
  root: string;
  /** The worker's entry, when known: the file the handler rules apply to. */
  entry?: string;
  /** The resolved worker project, for the Env declarations. */
  workerProject?: WorkerProject;
  /** The wrangler config, when there is one even though it could not be resolved into a project (yet). */
  configPath?: string;
  /** Where `.dev.vars` / `.env` are read from (default: the disk; the server prefers the editor's text). */
  readText?: ReadText;
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
  readonly #readText: ReadText;
  readonly service: ts.LanguageService;
  private readonly host: WorkerServiceHost;

  constructor(options: TypeCheckProjectOptions) {
    this.root = path.resolve(options.root);
    this.entry = options.entry && path.resolve(options.entry);
    this.envFile = path.join(this.root, ENV_FILE_NAME);
    this.configPath = options.workerProject?.configPath ?? options.configPath;
    this.#workerProject = options.workerProject;
    this.#readText = options.readText ?? readTextFromDisk;
    let compilerOptions = options.compilerOptions;
    if (!compilerOptions) {
      const resolved = resolveCompilerOptions(this.entry ? path.dirname(this.entry) : this.root, this.root, { javascriptEntry: !!this.entry && /\.[cm]?jsx?$/.test(this.entry) });
      compilerOptions = resolved.options;
      this.tsconfigPath = resolved.tsconfigPath;
    }
    this.host = new WorkerServiceHost(this.root, compilerOptions, options.assets, options.documents);
    this.host.setVirtualFile(this.envFile, envDeclaration(this.bindings() ?? [], undefined));
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

  /** The config (or its secrets) may have changed: bindings are read again, and Env follows on the next program(). */
  updateEnv(workerProject: WorkerProject | undefined): void {
    this.#workerProject = workerProject;
    this.#bindings = undefined;
  }

  /** The bindings the config declares (undefined without a config). */
  bindings(): BindingDeclaration[] | undefined {
    if (!this.#workerProject?.configPath) return undefined;
    return (this.#bindings ??= readBindings(this.#workerProject, { readText: this.#readText }));
  }

  /** A file's text as the editor has it (open documents first, then the disk): quick fixes edit that text. */
  readText(file: string): string | undefined {
    return this.#readText(file);
  }

  /** The worker project the Env declarations come from. */
  workerProject(): WorkerProject | undefined {
    return this.#workerProject;
  }

  compatibilityFlags(): readonly string[] {
    return this.#workerProject?.config?.compatibility_flags ?? [];
  }

  compatibilityDate(): string | undefined {
    return this.#workerProject?.config?.compatibility_date;
  }

  program(): ts.Program {
    const program = this.currentProgram();
    // The Env declarations depend on the entry's shape, read from the program's own parse of it; when they change,
    // the program is rebuilt once (the other files are reused) and is then stable until the next edit.
    return this.syncEnv(program) ? this.currentProgram() : program;
  }

  private currentProgram(): ts.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error(`no program for ${this.root}`);
    return program;
  }

  /** Brings the virtual Env file up to date; true when it changed. */
  private syncEnv(program: ts.Program): boolean {
    const entrySource = this.entry ? program.getSourceFile(this.entry) : undefined;
    const entry: EnvEntry | undefined = entrySource && this.entry ? { shape: entryShape(entrySource), specifier: importSpecifier(this.envFile, this.entry) } : undefined;
    return this.host.setVirtualFile(this.envFile, envDeclaration(this.bindings() ?? [], entry));
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
