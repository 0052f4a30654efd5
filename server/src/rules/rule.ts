/**
 * What every Workers rule gets and gives back. A rule is a function over one source file of a worker project;
 * diagnostics.ts runs them all (JS and TS, module and service-worker syntax), applies the suppression comment
 * `// worker-studio-ignore-next-line <code>` and turns the results into editor diagnostics and quick fixes.
 */
import type ts from 'typescript';
import type { BindingDeclaration } from '../../../common/bindings.ts';

export interface RuleContext {
  program: ts.Program;
  checker: ts.TypeChecker;
  sourceFile: ts.SourceFile;
  /** The file is the worker's entry (where the handlers are exported). */
  isEntry: boolean;
  /** The worker's bindings, as the config declares them; undefined when the project has no config. */
  bindings: BindingDeclaration[] | undefined;
  /** The config's compatibility flags (empty without a config). */
  compatibilityFlags: readonly string[];
  /** The config's compatibility_date (YYYY-MM-DD), when it sets one. */
  compatibilityDate?: string | undefined;
  /** Absolute path of the wrangler config, when there is one (quick fixes may edit it). */
  configPath: string | undefined;
  /** Reads another file (the config) as the editor has it, unsaved edits included; quick fix offsets are in that text. */
  readText?: ((file: string) => string | undefined) | undefined;
}

/** One text edit of a quick fix, in offsets of `file` (the source file, or another: the config). */
export interface FixEdit {
  /** Absolute path. */
  file: string;
  start: number;
  end: number;
  newText: string;
}

/** A quick fix offered on a diagnostic; only where it is safe (it never changes what correct code does). */
export interface QuickFix {
  title: string;
  edits: FixEdit[];
}

export interface RuleDiagnostic {
  code: string;
  /** Offsets in the rule's source file. */
  start: number;
  length: number;
  /** One sentence on what is wrong, one on why it matters in production. */
  message: string;
  category: ts.DiagnosticCategory;
  fixes?: QuickFix[];
  /**
   * TypeScript error codes that say the same thing at this place, less helpfully (`unknown-binding` restates
   * ts2339 "Property 'X' does not exist on type 'Env'"): those starting inside this diagnostic's range are dropped.
   */
  restatesTypeScript?: readonly number[];
}

export type Rule = (context: RuleContext) => RuleDiagnostic[];
