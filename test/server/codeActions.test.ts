// Quick fixes over the real protocol: ask for the code actions at a diagnostic, apply the chosen edit as an editor
// does (the document through didChange, another file — the config — on disk), and see the diagnostic go away.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Command, Diagnostic } from 'vscode-languageserver-protocol';
import { ensureBuilt, fixture } from './helpers.ts';
import { LspTestClient } from './lspClient.ts';
import { applyWorkspaceEdit } from './textEdits.ts';

const actionsOnly = (result: (Command | CodeAction)[] | null): CodeAction[] => (result ?? []).filter((a): a is CodeAction => 'kind' in a || 'edit' in a);
const has = (code: string) => (p: { diagnostics: Diagnostic[] }) => p.diagnostics.some((d) => d.code === code);

describe('quick fixes as code actions (stdio)', { timeout: 30_000 }, () => {
  let client: LspTestClient;
  let root: string;

  before(async () => {
    ensureBuilt();
    // A copy: the fixes edit the files.
    root = mkdtempSync(path.join(os.tmpdir(), 'ws-quick-fixes-'));
    cpSync(fixture('server-quick-fixes'), root, { recursive: true });
    client = new LspTestClient();
    const result = await client.initialize(root);
    assert.deepEqual(result.capabilities.codeActionProvider, { codeActionKinds: ['quickfix'] });
  });

  after(() => {
    client.kill();
    rmSync(root, { recursive: true, force: true });
  });

  const entry = () => path.join(root, 'src', 'index.ts');

  it('unknown-binding: "Change API_HOTS to API_HOST" renames it, and the error goes away', async () => {
    const uri = pathToFileURL(entry()).href;
    const text = readFileSync(entry(), 'utf8');
    await client.open(uri, text);
    const published = await client.diagnostics(uri, has('unknown-binding'));
    const diagnostic = published.diagnostics.find((d) => d.code === 'unknown-binding')!;
    assert.equal(published.diagnostics.filter((d) => d.code === 'ts2339').length, 0, 'TypeScript does not say it a second time');

    const actions = actionsOnly(await client.codeActions(uri, diagnostic.range, [diagnostic]));
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred]),
      [
        ['Change API_HOTS to API_HOST (declared in wrangler.toml)', 'quickfix', true],
        ['Suppress unknown-binding on this line (// worker-studio-ignore-next-line)', 'quickfix', false],
      ],
    );
    assert.deepEqual(actions[0]!.diagnostics, [diagnostic]);
    const fixed = applyWorkspaceEdit(actions[0]!.edit!, { uri, text });
    assert.match(fixed, /Buffer\.from\(env\.API_HOST\)/);
    await client.change(uri, 2, [{ text: fixed }]);
    const after = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(after.diagnostics.map((d) => d.code), ['node-builtin-without-compat']);
  });

  it('node-builtin-without-compat: the fix edits wrangler.toml, and the error goes away when the config changes', async () => {
    const uri = pathToFileURL(entry()).href;
    const published = await client.diagnostics(uri, has('node-builtin-without-compat'));
    const diagnostic = published.diagnostics.find((d) => d.code === 'node-builtin-without-compat')!;
    const [fix] = actionsOnly(await client.codeActions(uri, diagnostic.range, [diagnostic]));
    assert.equal(fix!.title, 'Add nodejs_compat to compatibility_flags in wrangler.toml');
    const configUri = pathToFileURL(path.join(root, 'wrangler.toml')).href;
    assert.deepEqual(Object.keys(fix!.edit!.changes!), [configUri]);

    applyWorkspaceEdit(fix!.edit!, { uri, text: '' });
    assert.match(readFileSync(path.join(root, 'wrangler.toml'), 'utf8'), /^compatibility_date = "2024-10-01"\ncompatibility_flags = \["nodejs_compat"\]\n/m);
    await client.changeWatchedFiles([{ uri: configUri, type: 2 }]);
    await client.diagnostics(uri, (p) => !has('node-builtin-without-compat')(p));
  });

  it('suppress: the ignore comment goes above the line, and the diagnostic goes away', async () => {
    const file = path.join(root, 'src', 'origin.ts');
    const uri = pathToFileURL(file).href;
    const text = readFileSync(file, 'utf8');
    await client.open(uri, text);
    const published = await client.diagnostics(uri, has('unknown-binding'));
    const diagnostic = published.diagnostics.find((d) => d.code === 'unknown-binding')!;
    // A cursor inside the diagnostic, with no context diagnostics (as some clients ask).
    const cursor = { line: diagnostic.range.start.line, character: diagnostic.range.start.character + 2 };
    const actions = actionsOnly(await client.codeActions(uri, { start: cursor, end: cursor }));
    const suppress = actions.find((a) => a.title.startsWith('Suppress'))!;
    const fixed = applyWorkspaceEdit(suppress.edit!, { uri, text });
    assert.equal(fixed, 'export function origin(env: Env): string {\n  // worker-studio-ignore-next-line unknown-binding\n  return `https://${env.UPSTREAM}`;\n}\n');
    await client.change(uri, 2, [{ text: fixed }]);
    const after = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(after.diagnostics, []);
  });

  it('answers for a document edited since its last diagnostics with edits for its current text', async () => {
    const file = path.join(root, 'src', 'origin.ts');
    const uri = pathToFileURL(file).href;
    const text = `// a line above shifts everything\nexport function origin(env: Env): string {\n  return env.API_HOTS;\n}\n`;
    await client.change(uri, 3, [{ text }]);
    // No waiting for the debounced check: the request itself brings the diagnostics up to date.
    const line = 2;
    const actions = actionsOnly(await client.codeActions(uri, { start: { line, character: 13 }, end: { line, character: 13 } }));
    const rename = actions.find((a) => a.title.startsWith('Change API_HOTS'))!;
    assert.equal(applyWorkspaceEdit(rename.edit!, { uri, text }), text.replace('API_HOTS', 'API_HOST'));
  });
});
