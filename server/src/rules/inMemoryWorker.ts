// For the per-request rules' unit tests: a worker project whose files are held in memory (as open editor documents),
// rooted inside the repository (.test-work, ignored by git) so `hono` and `itty-router` resolve from its node_modules,
// diagnosed through diagnoseFile like the editor does. Only the folders exist on disk: module resolution looks for
// them. (testWorker.ts writes projects with a config to a temporary folder instead.)
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { diagnoseFile, type WorkerDiagnostic } from '../diagnostics.ts';
import { sourceTreeAssets } from '../typeCheck/assets.ts';
import { TypeCheckProject } from '../typeCheck/project.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = path.join(repoRoot, '.test-work', 'in-memory-worker');

/** Diagnoses `file` of a config-less project made of `files` (paths relative to the project); `file` is the entry. */
export function diagnoseInMemory(files: Record<string, string>, file = Object.keys(files)[0]!): WorkerDiagnostic[] {
  const documents = new Map(Object.entries(files).map(([name, text]) => [path.join(root, name), { text, version: 1 }]));
  for (const name of documents.keys()) mkdirSync(path.dirname(name), { recursive: true });
  const entry = path.join(root, file);
  const project = new TypeCheckProject({ root, entry, assets: sourceTreeAssets(repoRoot), documents: { get: (f) => documents.get(f) } });
  for (const name of documents.keys()) project.include(name);
  return diagnoseFile(project, entry).map((d) => ({ ...d, file: path.relative(root, d.file) }));
}

/** `line:column code` (1-based) of each diagnostic with one of `codes`, for compact assertions. */
export function sites(diagnostics: WorkerDiagnostic[], ...codes: string[]): string[] {
  return diagnostics.filter((d) => codes.includes(d.code)).map((d) => `${d.start.line + 1}:${d.start.character + 1} ${d.code}`);
}

/** The text after applying every edit of a diagnostic's first fix to `text` (edits of this file only). */
export function applyFirstFix(text: string, diagnostic: WorkerDiagnostic): string {
  const fix = diagnostic.fixes?.[0];
  if (!fix) throw new Error(`no fix on ${diagnostic.code} at ${diagnostic.start.line + 1}:${diagnostic.start.character + 1}`);
  const offsetOf = (position: { line: number; character: number }) => {
    let offset = 0;
    for (let line = 0; line < position.line; line++) offset = text.indexOf('\n', offset) + 1;
    return offset + position.character;
  };
  const edits = fix.edits.map((e) => ({ start: offsetOf(e.start), end: offsetOf(e.end), newText: e.newText })).sort((a, b) => b.start - a.start);
  return edits.reduce((edited, e) => edited.slice(0, e.start) + e.newText + edited.slice(e.end), text);
}
