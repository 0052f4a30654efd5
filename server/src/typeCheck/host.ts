/**
 * The LanguageServiceHost behind every worker program. It serves, in order: the documents open in the editor
 * (their in-memory text), the virtual Env declarations, the bundled .d.ts files (TypeScript's libs, the Workers types),
 * and otherwise the files on disk (versioned by mtime, so edits made outside the editor are seen).
 */
import { readdirSync, readFileSync, statSync, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { TypeCheckAssets } from './assets.ts';
import { DocumentSnapshot } from './documentSnapshot.ts';

/** Text of the files the editor has open, by absolute path. */
export interface DocumentSource {
  get(fileName: string): { text: string; version: number } | undefined;
}

export const noDocuments: DocumentSource = { get: () => undefined };

/** A virtual file: text the host serves without a file on disk. */
interface VirtualFile {
  text: string;
  version: number;
}

export class WorkerServiceHost implements ts.LanguageServiceHost {
  private readonly roots = new Set<string>();
  private readonly virtualFiles = new Map<string, VirtualFile>();
  private readonly diskCache = new Map<string, { mtime: number; snapshot: ts.IScriptSnapshot }>();
  private readonly root: string;
  private readonly options: ts.CompilerOptions;
  private readonly assets: TypeCheckAssets;
  private readonly documents: DocumentSource;
  private projectVersion = 0;

  constructor(root: string, options: ts.CompilerOptions, assets: TypeCheckAssets, documents: DocumentSource) {
    this.root = root;
    this.options = options;
    this.assets = assets;
    this.documents = documents;
    this.roots.add(assets.workersTypes);
  }

  addRoot(fileName: string): void {
    if (!this.roots.has(fileName)) {
      this.roots.add(fileName);
      this.projectVersion++;
    }
  }

  hasRoot(fileName: string): boolean {
    return this.roots.has(fileName);
  }

  /** Sets a virtual file's text; true when it changed. */
  setVirtualFile(fileName: string, text: string): boolean {
    const existing = this.virtualFiles.get(fileName);
    if (existing?.text === text) return false;
    this.virtualFiles.set(fileName, { text, version: (existing?.version ?? 0) + 1 });
    this.addRoot(fileName);
    this.projectVersion++;
    return true;
  }

  /** Call when any document changed, so the service re-asks for versions. */
  markChanged(): void {
    this.projectVersion++;
  }

  getProjectVersion(): string {
    return String(this.projectVersion);
  }

  getCompilationSettings(): ts.CompilerOptions {
    return this.options;
  }

  getScriptFileNames(): string[] {
    return [...this.roots];
  }

  getCurrentDirectory(): string {
    return this.root;
  }

  getDefaultLibFileName(options: ts.CompilerOptions): string {
    return path.join(this.assets.libDir, ts.getDefaultLibFileName(options));
  }

  private isBundled(fileName: string): boolean {
    return fileName === this.assets.workersTypes || path.dirname(fileName) === this.assets.libDir;
  }

  getScriptVersion(fileName: string): string {
    const doc = this.documents.get(fileName);
    if (doc) return `doc:${doc.version}`;
    const virtual = this.virtualFiles.get(fileName);
    if (virtual) return `virtual:${virtual.version}`;
    if (this.isBundled(fileName)) return 'bundled';
    try {
      return `disk:${statSync(fileName).mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  getScriptSnapshot(fileName: string): ts.IScriptSnapshot | undefined {
    const doc = this.documents.get(fileName);
    if (doc) return new DocumentSnapshot(doc.text); // edits are re-parsed incrementally
    const virtual = this.virtualFiles.get(fileName);
    if (virtual) return ts.ScriptSnapshot.fromString(virtual.text);
    let mtime: number;
    try {
      mtime = statSync(fileName).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.diskCache.get(fileName);
    if (cached?.mtime === mtime) return cached.snapshot;
    const snapshot = ts.ScriptSnapshot.fromString(readFileSync(fileName, 'utf8'));
    this.diskCache.set(fileName, { mtime, snapshot });
    return snapshot;
  }

  fileExists(fileName: string): boolean {
    return this.documents.get(fileName) !== undefined || this.virtualFiles.has(fileName) || existsSync(fileName);
  }

  readFile(fileName: string): string | undefined {
    const doc = this.documents.get(fileName);
    if (doc) return doc.text;
    const virtual = this.virtualFiles.get(fileName);
    if (virtual) return virtual.text;
    try {
      return readFileSync(fileName, 'utf8');
    } catch {
      return undefined;
    }
  }

  directoryExists(dir: string): boolean {
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  }

  getDirectories(dir: string): string[] {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  }

  realpath(fileName: string): string {
    try {
      return realpathSync(fileName);
    } catch {
      return fileName;
    }
  }

  useCaseSensitiveFileNames(): boolean {
    return ts.sys.useCaseSensitiveFileNames;
  }
}
