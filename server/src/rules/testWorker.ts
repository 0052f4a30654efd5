// For the rules' unit tests: a worker project written to a temporary folder (the config is read from disk, as in
// the editor), diagnosed through diagnoseFile, and quick fixes applied to the files' texts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveWorkerProject } from '../../../common/workerProject.ts';
import { diagnoseFile, type Position, type WorkerDiagnostic, type WorkerFix } from '../diagnostics.ts';
import { sourceTreeAssets } from '../typeCheck/assets.ts';
import { noDocuments } from '../typeCheck/host.ts';
import { TypeCheckProject } from '../typeCheck/project.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Files by path relative to the project folder. */
export type WorkerFiles = Record<string, string>;

/**
 * Diagnoses `file` of a project made of `files`. With a wrangler config among them the project is resolved from it
 * (its `main` is the entry); without one `file` is the entry. Paths in the result are relative to the project folder.
 */
export function diagnoseWorker(files: WorkerFiles, file = 'src/index.ts'): WorkerDiagnostic[] {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ws-rule-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
    const hasConfig = Object.keys(files).some((name) => /^wrangler\.(toml|jsonc?)$/.test(name));
    const workerProject = resolveWorkerProject(hasConfig ? root : path.join(root, file));
    const project = new TypeCheckProject({ root: workerProject.root, entry: workerProject.entry, workerProject, assets: sourceTreeAssets(repoRoot), documents: noDocuments });
    return diagnoseFile(project, path.join(root, file)).map((d) => relative(d, root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function relative(d: WorkerDiagnostic, root: string): WorkerDiagnostic {
  const fixes = d.fixes?.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => ({ ...edit, file: path.relative(root, edit.file) })) }));
  return { ...d, file: path.relative(root, d.file), ...(fixes ? { fixes } : {}) };
}

/** The files after applying a fix (edit paths relative to the project, as diagnoseWorker returns them). */
export function applyFix(files: WorkerFiles, fix: WorkerFix): WorkerFiles {
  const result = { ...files };
  for (const file of new Set(fix.edits.map((edit) => edit.file))) {
    const edits = fix.edits.filter((edit) => edit.file === file);
    const text = result[file];
    if (text === undefined) throw new Error(`the fix edits ${file}, which is not one of the files`);
    const offsets = edits.map((edit) => ({ start: offsetAt(text, edit.start), end: offsetAt(text, edit.end), newText: edit.newText }));
    offsets.sort((a, b) => b.start - a.start);
    let edited = text;
    for (const edit of offsets) edited = edited.slice(0, edit.start) + edit.newText + edited.slice(edit.end);
    result[file] = edited;
  }
  return result;
}

function offsetAt(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) throw new Error(`line ${position.line} is past the end of the text`);
    offset = next + 1;
  }
  return offset + position.character;
}
