/**
 * .http files in the real workbench: requests.http (test/fixtures/e2e-workspace) opens as the `http` language with the
 * extension's grammar, gets one Send Request lens per request on its request line, and the lenses send to the running
 * hello worker (started here, stopped at the end): status and body, {{var}} substitution, another origin refused, an
 * undefined variable reported at its line (lens and Problems view), the request panel's environment, and the exchange
 * shown in the request panel (through the UI driver). No sleeps: waits are on events or on the DOM.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { HTTP_DIAGNOSTIC_SOURCE } from '../../../client/src/httpFileDiagnostics.ts';
import type { HttpRequestOutcome } from '../../../client/src/httpFiles.ts';
import { PANEL } from '../ui/wire.ts';
import { editThenRestore, inWorkspace, lineOf, waitForDiagnostics, within, startWorker, stopWorkers } from './support.ts';
import { ui, uiTest } from './ui.ts';

const REQUESTS = () => inWorkspace('requests.http');

/** The lenses VS Code shows for the file now (every provider's: only ours is registered for `http`). */
async function lensesOf(file: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = await within(
    vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', file),
    30_000,
    () => `vscode.executeCodeLensProvider on ${file.fsPath}`,
  );
  return lenses ?? [];
}

const describeLenses = (lenses: vscode.CodeLens[]) =>
  lenses.map((l) => `line ${l.range.start.line + 1}: ${l.command?.title ?? '(unresolved)'} → ${l.command?.command ?? ''}`).join('; ') || 'none';

/** Runs the command of the lens on `line` (0-based), as a click on it does, and returns what the command returned. */
async function runLensAt(line: number): Promise<HttpRequestOutcome> {
  const lenses = await lensesOf(REQUESTS());
  const lens = lenses.find((l) => l.range.start.line === line);
  assert.ok(lens?.command, `no lens with a command on line ${line + 1}; lenses: ${describeLenses(lenses)}`);
  assert.match(lens.command.title, /Send Request/, `the lens on line ${line + 1} does not send: ${describeLenses([lens])}`);
  return within(
    Promise.resolve(vscode.commands.executeCommand<HttpRequestOutcome>(lens.command.command, ...(lens.command.arguments ?? []))),
    30_000,
    () => `the Send Request lens on line ${line + 1}`,
  );
}

suite('.http files', () => {
  let startedHere = false;

  suiteSetup(async () => {
    // The lens's text depends on whether a worker runs: begin with none (the suites before this one may have left one).
    await stopWorkers();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(REQUESTS()));
  });

  suiteTeardown(async () => {
    if (startedHere) await stopWorkers();
  });

  test('requests.http opens as the http language and the workbench tokenizes it with the extension grammar', async () => {
    const document = await vscode.workspace.openTextDocument(REQUESTS());
    assert.equal(document.languageId, 'http', `requests.http opened as ${document.languageId}`);
    // The workbench's own TextMate tokenization of the file: it throws when no grammar is registered for the language.
    await within(
      Promise.resolve(vscode.commands.executeCommand('_workbench.colorizeTextMateTokens', REQUESTS())),
      30_000,
      () => 'the workbench tokenizing requests.http (_workbench.colorizeTextMateTokens)',
    );
  });

  test('Toggle Line Comment comments a request line with # (the language configuration)', async () => {
    const line = lineOf(REQUESTS(), /^GET \/$/);
    await editThenRestore(REQUESTS(), async (document) => {
      const editor = await vscode.window.showTextDocument(document);
      editor.selection = new vscode.Selection(line, 0, line, 0);
      await vscode.commands.executeCommand('editor.action.commentLine');
      assert.equal(document.lineAt(line).text, '# GET /', 'the line was not commented with #');
    });
  });

  test('with no worker running, one lens per request line says so and offers workerStudio.start', async () => {
    const requestLines = requestLinesOf(REQUESTS());
    const lenses = await lensesOf(REQUESTS());
    assert.deepEqual(
      lenses.map((l) => l.range.start.line),
      requestLines,
      `lenses are not one per request line (${requestLines.map((l) => l + 1).join(', ')}): ${describeLenses(lenses)}`,
    );
    for (const lens of lenses) {
      assert.match(lens.command?.title ?? '', /No worker running/, describeLenses([lens]));
      assert.equal(lens.command?.command, 'workerStudio.start', describeLenses([lens]));
    }
  });

  test('once hello runs, the lenses send: GET / answers 200 with hello’s greeting', async () => {
    await startWorker(inWorkspace('hello').fsPath);
    startedHere = true;

    const lenses = await lensesOf(REQUESTS());
    assert.deepEqual(lenses.map((l) => l.range.start.line), requestLinesOf(REQUESTS()), describeLenses(lenses));
    assert.ok(lenses.every((l) => l.command?.command === 'workerStudio.sendHttpRequest'), `not every lens sends now: ${describeLenses(lenses)}`);

    const outcome = await runLensAt(lineOf(REQUESTS(), /^GET \/$/));
    assert.equal(outcome.error, undefined, `the request failed: ${outcome.error}`);
    assert.deepEqual(outcome.request, { method: 'GET', path: '/' });
    assert.equal(outcome.result?.status, 200, `status ${outcome.result?.status}: ${outcome.result?.body}`);
    assert.equal(outcome.result?.body, 'Hello from Worker Studio!\n');
  });

  test('{{var}} in the URL comes from the file variables, and headers are sent', async () => {
    const outcome = await runLensAt(lineOf(REQUESTS(), 'GET /{{resource}}?id={{id}}'));
    assert.equal(outcome.error, undefined, `the request failed: ${outcome.error}`);
    assert.deepEqual(outcome.request, { method: 'GET', path: '/things?id=42', headers: { Accept: 'application/json' } });
    assert.equal(outcome.result?.status, 200, `status ${outcome.result?.status}: ${outcome.result?.body}`);
    const answer = JSON.parse(outcome.result!.body) as { method: string; path: string; query: Record<string, string> };
    assert.deepEqual({ method: answer.method, path: answer.path, query: answer.query }, { method: 'GET', path: '/things', query: { id: '42' } });
  });

  test('a JSON body is sent with its {{var}} replaced', async () => {
    const outcome = await runLensAt(lineOf(REQUESTS(), 'POST /{{resource}}'));
    assert.equal(outcome.error, undefined, `the request failed: ${outcome.error}`);
    assert.deepEqual(outcome.request, {
      method: 'POST',
      path: '/things',
      headers: { 'Content-Type': 'application/json' },
      body: '{ "id": "42", "tags": ["a", "b"] }',
    });
    assert.equal(outcome.result?.status, 200);
    assert.equal((JSON.parse(outcome.result!.body) as { method: string }).method, 'POST');
  });

  test('a URL at another origin is refused with a clear error, nothing sent', async () => {
    const outcome = await runLensAt(lineOf(REQUESTS(), 'GET https://example.com/elsewhere'));
    assert.equal(outcome.result, undefined, 'a request to another origin was sent');
    assert.match(outcome.error ?? '', /https:\/\/example\.com is not the running worker \(http:\/\/127\.0\.0\.1:\d+\)/, `error: ${outcome.error}`);
  });

  test('an undefined {{var}} is an error at its file:line, in the lens result and in the Problems view', async () => {
    const line = lineOf(REQUESTS(), '{{undefinedThing}}');
    const outcome = await runLensAt(line);
    assert.equal(outcome.result, undefined);
    assert.equal(outcome.error?.split(': unknown variable')[0], `requests.http:${line + 1}`, `error: ${outcome.error}`);
    assert.match(outcome.error ?? '', /unknown variable \{\{undefinedThing\}\}/);
    const diagnostic = await waitForDiagnostics(
      REQUESTS(),
      (ds) => ds.find((d) => d.source === HTTP_DIAGNOSTIC_SOURCE && d.message.includes('{{undefinedThing}}')),
      20_000,
      'no diagnostic for {{undefinedThing}}',
    );
    assert.equal(diagnostic.range.start.line, line, `the diagnostic is on line ${diagnostic.range.start.line + 1}, expected ${line + 1}`);
  });

  test('{{var}} that the file lacks comes from the request panel\'s environment (workerStudio.environments)', async () => {
    const line = lineOf(REQUESTS(), 'GET /env/{{greeting}}');
    const hasGreetingProblem = (ds: vscode.Diagnostic[]) => ds.some((d) => d.source === HTTP_DIAGNOSTIC_SOURCE && d.message.includes('{{greeting}}'));
    await waitForDiagnostics(REQUESTS(), (ds) => (hasGreetingProblem(ds) ? true : undefined), 20_000, 'no diagnostic for {{greeting}} before the environment defines it');
    const settings = vscode.workspace.getConfiguration('workerStudio');
    const before = settings.inspect('environments')?.workspaceValue;
    await settings.update('environments', { $shared: { greeting: 'hi' } }, vscode.ConfigurationTarget.Workspace);
    try {
      await waitForDiagnostics(REQUESTS(), (ds) => (hasGreetingProblem(ds) ? undefined : true), 20_000, 'the {{greeting}} diagnostic stayed after the environment defined it');
      const outcome = await runLensAt(line);
      assert.equal(outcome.error, undefined, `the request failed: ${outcome.error}`);
      assert.equal(outcome.request?.path, '/env/hi');
      assert.equal((JSON.parse(outcome.result!.body) as { path: string }).path, '/env/hi');
    } finally {
      await settings.update('environments', before, vscode.ConfigurationTarget.Workspace);
    }
  });

  uiTest('the exchange a lens sends shows in the request panel: history, status and JSON body', async () => {
    const outcome = await runLensAt(lineOf(REQUESTS(), 'GET /{{resource}}?id={{id}}'));
    assert.equal(outcome.result?.status, 200, `the request failed: ${outcome.error ?? outcome.result?.body}`);
    // Waits (in the page) for the panel's history to list this exchange; the same message shows it as the response.
    const items = await ui<string[]>('webview.texts', { webview: PANEL, selector: '#history .history-item:has-text("/things?id=42")' });
    assert.match(items[0] ?? '', /GET\s+\/things\?id=42\s+200/, `history items: ${JSON.stringify(items)}`);
    const shown = await ui<{ status: string; bodyView: string; jsonKeys: string[] }>('panel.read');
    assert.match(shown.status, /200/, `the panel shows status "${shown.status}"`);
    assert.equal(shown.bodyView, 'json', `the body is shown as ${shown.bodyView}`);
    assert.deepEqual(shown.jsonKeys.slice(0, 3), ['method', 'path', 'query'], `JSON keys shown: ${shown.jsonKeys.join(', ')}`);
  });
});

/** 0-based lines of requests.http that start a request (METHOD URL), in order. */
function requestLinesOf(file: vscode.Uri): number[] {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  assert.ok(document, `${file.fsPath} is not open`);
  const lines: number[] = [];
  for (let i = 0; i < document.lineCount; i++) if (/^(GET|POST|PUT|PATCH|DELETE) /.test(document.lineAt(i).text)) lines.push(i);
  assert.ok(lines.length >= 5, `requests.http has ${lines.length} request lines`);
  return lines;
}
