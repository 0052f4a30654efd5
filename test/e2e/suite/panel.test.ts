/**
 * The request panel (client/src/requestPanel.ts, client/src/panel/, client/webview/), driven through its DOM in the real
 * workbench by the UI driver (ui.ts → test/e2e/ui/panelScenarios.ts). The worker is the workspace's `panel/` fixture,
 * started here and stopped at the end. Each test checks what the panel shows against what the worker really did (its
 * RequestRecords), and the screenshots in docs/ are taken from these runs (WORKER_STUDIO_E2E_SCREENSHOTS).
 */
import * as assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RequestRecord, SendRequestResult } from '../../../common/protocol.ts';
import type { PanelSnapshot } from '../ui/panelScenarios.ts';
import { PANEL } from '../ui/wire.ts';
import { inWorkspace, lineOf, sendRequest, studioApi, waitForEvent, startWorker } from './support.ts';
import { ui, uiAbsent, uiTest } from './ui.ts';

interface Timeline {
  summary: string;
  rows: { kind: string; label: string; value: string; bars: { left: number; className: string }[] }[];
  console: string[];
}
interface Lists {
  history: string[];
  saved: string[];
}

const SCREENSHOTS = process.env.WORKER_STUDIO_E2E_SCREENSHOTS;
/** The workbench's side bar, where the panel is. */
const SIDEBAR = '#workbench\\.parts\\.sidebar';

suite('Request panel', () => {
  const records: RequestRecord[] = [];
  const subscriptions: vscode.Disposable[] = [];
  const layoutBefore: { viewport?: { width: number; height: number } | null; sidebar?: number } = {};

  suiteSetup(async () => {
    const api = studioApi();
    subscriptions.push(api.onDidCompleteRequest((record) => records.push(record)));
    assert.deepEqual(api.workers(), [], 'needs no running worker (the earlier suites stop theirs)');
    await startWorker(inWorkspace('panel').fsPath);
    await vscode.commands.executeCommand('workerStudio.requestPanel.focus');
    if (!uiAbsent) {
      // A bigger window and a wider side bar: room for the panel's rows and the waterfall, as in real use (and the
      // screenshots in docs/ show it so). Put back afterwards, for the suites after this one.
      layoutBefore.viewport = await ui<{ width: number; height: number } | null>('page.viewport', { width: 1440, height: 1000 });
      layoutBefore.sidebar = (await ui<{ before: number }>('page.sidebarWidth', { width: 560 })).before;
    }
  });

  suiteTeardown(async () => {
    subscriptions.forEach((s) => s.dispose());
    if (layoutBefore.sidebar !== undefined) await ui('page.sidebarWidth', { width: layoutBefore.sidebar });
    if (layoutBefore.viewport) await ui('page.viewport', layoutBefore.viewport);
    await vscode.workspace.getConfiguration('workerStudio').update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workerStudio.stop');
  });

  /** The record of the first request the worker finished whose path and query match. */
  const recordOf = (url: RegExp, what: string) =>
    waitForEvent(
      studioApi().onDidCompleteRequest,
      () => records.find((r) => url.test(r.url)),
      20_000,
      () => `${what}: the worker finished no request matching ${url}; it finished: ${records.map((r) => `${r.method} ${r.url}`).join(' | ') || 'none'}`,
    );
  const shows = (snapshot: PanelSnapshot) => JSON.stringify({ ...snapshot, bodyText: snapshot.bodyText.slice(0, 300) });

  uiTest('sends a POST with a header and a JSON body, and shows status, time, size, headers and the JSON tree', async () => {
    const shown = await ui<PanelSnapshot>('panel.send', { method: 'POST', path: '/echo?from=compose', headers: [['X-Panel', 'yes']], bodyKind: 'json', body: '{"n": 1}' });
    const record = await recordOf(/^\/echo\?from=compose$/, 'the panel');
    assert.equal(record.method, 'POST');
    assert.equal(shown.status, '200 OK', shows(shown));
    assert.equal(shown.statusClass, 'ok', shows(shown));
    assert.match(shown.time, /^\d+(\.\d)? ms$|^\d\.\d\d s$/, shows(shown));
    assert.match(shown.size, /^\d+ B$/, shows(shown));
    assert.ok(shown.headers.some(([name, value]) => name === 'x-echo' && value === 'yes'), `response headers shown: ${JSON.stringify(shown.headers)}`);
    assert.equal(shown.bodyView, 'json', shows(shown));
    assert.deepEqual(shown.jsonKeys, ['method', 'query', 'headers', 'body'], shows(shown));
    // What the worker echoed: the header and the JSON body the form sent, with the content type the body kind implies.
    assert.match(shown.bodyText, /x-panel: ?"yes"/, shows(shown));
    assert.match(shown.bodyText, /content-type: ?"application\/json"/, shows(shown));
    assert.ok(shown.bodyText.includes('"{\\"n\\": 1}"'), shows(shown));
    if (SCREENSHOTS) {
      // The side bar's other views collapsed: the panel gets the height to show the request and its answer.
      const { wasExpanded } = await ui<{ wasExpanded: boolean }>('page.expandView', { title: 'Workers', expanded: false });
      await ui('page.screenshot', { file: path.join(SCREENSHOTS, 'panel.png'), selector: SIDEBAR });
      await ui('page.expandView', { title: 'Workers', expanded: wasExpanded });
    }
  });

  uiTest('Ctrl+Enter sends the request', async () => {
    const shown = await ui<PanelSnapshot>('panel.send', { method: 'GET', path: '/echo?from=keyboard', headers: [], bodyKind: 'none', via: 'keyboard' });
    const record = await recordOf(/^\/echo\?from=keyboard$/, 'Ctrl+Enter in the panel');
    assert.equal(record.method, 'GET');
    assert.equal(shown.status, '200 OK', shows(shown));
  });

  uiTest('the timeline shows CPU against wall time, the subrequest, waitUntil work after the response and the console lines', async () => {
    const shown = await ui<PanelSnapshot>('panel.send', { method: 'GET', path: '/chain' });
    assert.equal(shown.status, '200 OK', shows(shown));
    const record = await recordOf(/^\/chain$/, 'the panel');
    const timeline = await ui<Timeline>('panel.timeline', {}, 45_000);
    const row = (kind: string) => timeline.rows.find((r) => r.kind === kind);
    const described = JSON.stringify(timeline);
    assert.ok(row('wall'), `no wall-time row: ${described}`);
    assert.ok(record.cpuMs !== undefined && record.cpuMs <= record.wallMs, `record: ${JSON.stringify(record)}`);
    assert.match(row('cpu')?.value ?? '', /CPU$/, `no CPU row: ${described}`);
    assert.match(timeline.summary, /CPU of .* wall/, described);
    const sub = row('subrequest');
    assert.ok(sub, `no subrequest row: ${described}`);
    assert.match(sub.label, /^POST 127\.0\.0\.1:\d+\/echo\?from=chain$/, described);
    assert.match(sub.value, /^200 · /, described);
    const waitUntil = row('waitUntil');
    assert.ok(waitUntil, `no waitUntil row: ${described}`);
    assert.match(waitUntil.value, /^\+.* after$/, described);
    // The waitUntil bar starts where the response ended: after the start of the axis.
    assert.ok(waitUntil.bars[0] && waitUntil.bars[0].left > 0, `the waitUntil bar starts at the response's end: ${described}`);
    assert.deepEqual(timeline.console, ['chain: answered', 'chain: waitUntil done'], described);
    if (SCREENSHOTS) await ui('page.screenshot', { file: path.join(SCREENSHOTS, 'waterfall.png'), selector: '#response', webview: PANEL });
    await ui('panel.tab', { tab: 'body' });
  });

  uiTest('shows an image as an image and an HTML page in a sandboxed preview', async () => {
    const image = await ui<PanelSnapshot>('panel.send', { method: 'GET', path: '/pixel.png' });
    assert.equal(image.bodyView, 'image', shows(image));
    assert.equal(image.size, '70 B', shows(image));
    const page = await ui<PanelSnapshot>('panel.send', { method: 'GET', path: '/page' });
    assert.equal(page.bodyView, 'html', shows(page));
    // The page is shown in a frame sandboxed with nothing allowed: its script does not run (the fixture's script would
    // rewrite the title). Its inline styles don't apply either: the frame inherits the panel's CSP (styles need the nonce).
    const preview = await ui<{ sandbox: string | null; elements: Record<string, { text: string; color: string; fontStyle: string }> }>('panel.htmlPreview', { ids: ['title', 'note'] });
    const described = JSON.stringify(preview);
    assert.equal(preview.sandbox, '', `sandboxed with nothing allowed: ${described}`);
    assert.equal(preview.elements.title?.text, 'Hello from the panel worker', described);
    assert.ok(preview.elements.note?.text, described);
  });

  uiTest('history and saved requests survive a reload of the panel', async () => {
    await ui('panel.save', { name: 'chain request' });
    const before = await ui<Lists>('panel.lists', { atLeast: 5 });
    assert.match(before.history[0] ?? '', /^GET \/page 200$/, JSON.stringify(before));
    await ui('panel.mark');
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    const after = await ui<Lists>('panel.lists', { atLeast: before.history.length, fresh: true });
    assert.deepEqual(after.history, before.history);
    assert.deepEqual(after.saved, ['GET chain request']);
  });

  uiTest('Import cURL fills the form, and says why when it cannot', async () => {
    const form = await ui<Record<string, unknown>>('panel.importCurl', {
      command: `curl -X PUT 'http://localhost:8787/echo?from=curl' -H 'X-Token: abc' -H 'content-type: application/json' --data-raw '{"a": [1, 2]}'`,
    });
    assert.deepEqual(form, { method: 'PUT', path: '/echo?from=curl', headers: [['X-Token', 'abc'], ['content-type', 'application/json']], bodyKind: 'json', body: '{"a": [1, 2]}', form: [] });
    const refused = await ui<{ error?: string }>('panel.importCurl', { command: `curl http://localhost/ -F 'file=@a.txt'` });
    assert.match(refused.error ?? '', /multipart/, JSON.stringify(refused));
  });

  uiTest('Copy as cURL writes the request with the environment\'s variables filled in', async () => {
    await vscode.workspace.getConfiguration('workerStudio').update('environments', { $shared: { token: 'shared' }, local: { token: 's3cret' } }, vscode.ConfigurationTarget.Workspace);
    await ui('panel.environment', { name: 'local' });
    await ui('panel.send', { method: 'GET', path: '/echo?t={{token}}', headers: [['Authorization', 'Bearer {{token}}']], bodyKind: 'none' });
    await recordOf(/^\/echo\?t=s3cret$/, 'the panel, with {{token}} from the environment');
    const notice = await ui<string>('panel.copyCurl');
    const url = studioApi().workerUrl();
    const command = `curl '${url}/echo?t=s3cret' -H 'Authorization: Bearer s3cret'`;
    assert.equal(notice, `Copied: ${command}`);
    assert.equal(await vscode.env.clipboard.readText(), command);
  });

  uiTest('the scheduled button runs the scheduled handler with the cron given', async () => {
    const failed = await ui<{ text: string; ok: boolean; crons: string[] }>('panel.fireScheduled', { cron: 'fail' });
    assert.deepEqual(failed.crons, ['*/5 * * * *', '0 3 * * mon'], 'the crons of the config are offered');
    assert.equal(failed.ok, false, failed.text);
    assert.match(failed.text, /^scheduled: exception/, failed.text);
    assert.match(failed.text, /scheduled handler failed for cron "fail"/, failed.text);
    const ran = await ui<{ text: string; ok: boolean }>('panel.fireScheduled', { cron: '*/5 * * * *' });
    assert.equal(ran.ok, true, ran.text);
    assert.match(ran.text, /^scheduled: ok · /, ran.text);
  });

  uiTest('workerStudio.showRequestInPanel shows an exchange sent elsewhere and adds it to history', async () => {
    const request = { method: 'GET', path: '/echo?from=elsewhere' };
    const result = (await sendRequest(request)) as SendRequestResult;
    assert.equal(result.status, 200);
    await vscode.commands.executeCommand('workerStudio.showRequestInPanel', { request, result });
    const shown = await ui<PanelSnapshot>('panel.read', { path: '/echo?from=elsewhere' });
    assert.equal(shown.status, '200 OK', shows(shown));
    assert.equal(shown.bodyView, 'json', shows(shown));
    assert.match(shown.bodyText, /elsewhere/, shows(shown));
    const lists = await ui<Lists>('panel.lists', { atLeast: 1 });
    assert.equal(lists.history[0], 'GET /echo?from=elsewhere 200', JSON.stringify(lists));
    // Its record arrived too: the timeline is the runtime's.
    const timeline = await ui<Timeline>('panel.timeline', {}, 45_000);
    assert.ok(timeline.rows.some((r) => r.kind === 'wall'), JSON.stringify(timeline));
  });

  uiTest('a file chosen in the open dialog is sent as the body, byte for byte', async () => {
    // Every byte value, several times: a text decoding anywhere on the way would change the length or the digest.
    const bytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) % 256));
    const file = inWorkspace('panel', 'upload.bin');
    await vscode.workspace.fs.writeFile(file, bytes);
    assert.equal(await ui<string>('panel.pickFile', { path: file.fsPath }), file.fsPath);
    const shown = await ui<PanelSnapshot>('panel.send', { method: 'POST', path: '/digest?from=file' });
    const record = await recordOf(/^\/digest\?from=file$/, 'the panel, with a file body');
    assert.equal(record.method, 'POST');
    assert.equal(shown.status, '200 OK', shows(shown));
    assert.equal(shown.bodyView, 'json', shows(shown));
    // What the worker measured of the body it got (JSON tree text: `key: value`).
    assert.match(shown.bodyText, /length: ?1024(?!\d)/, shows(shown));
    assert.ok(shown.bodyText.includes(`"${createHash('sha256').update(bytes).digest('hex')}"`), `the SHA-256 of upload.bin: ${shows(shown)}`);
    assert.match(shown.bodyText, /contentType: ?"application\/octet-stream"/, shows(shown));
  });

  uiTest('the queue button delivers the JSON message to the queue handler and shows what became of it', async () => {
    // A fresh value per run: what the worker stored can only have come from this delivery.
    const message = { note: 'from the panel', nonce: randomUUID(), n: [1, 2] };
    const acked = await ui<{ text: string; ok: boolean }>('panel.fireQueue', { queue: 'panel-jobs', body: JSON.stringify(message) });
    assert.equal(acked.ok, true, acked.text);
    assert.match(acked.text, /^queue: ok · \S+ m?s · acked 1$/, acked.text);
    // The trigger's answer waits for the handler, so its KV write is there.
    const stored = await sendRequest({ method: 'GET', path: '/queue/last' });
    assert.ok(stored, 'GET /queue/last got no answer');
    assert.equal(stored.status, 200, stored.body);
    const batch = JSON.parse(stored.body) as { queue: string; messages: { body: unknown; attempts: number }[] };
    assert.equal(batch.queue, 'panel-jobs', stored.body);
    assert.deepEqual(batch.messages.map((m) => [m.body, m.attempts]), [[message, 1]], stored.body);
    const retried = await ui<{ text: string; ok: boolean }>('panel.fireQueue', { queue: 'panel-jobs', body: '{"retry": true}' });
    assert.equal(retried.ok, true, retried.text);
    assert.match(retried.text, /^queue: ok · \S+ m?s · retried 1$/, retried.text);
  });

  uiTest('clicking a console line\'s source opens the TypeScript file at that line', async () => {
    const source = inWorkspace('panel', 'src', 'index.ts');
    const line = lineOf(source, "console.log('chain: answered')");
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const shown = await ui<PanelSnapshot>('panel.send', { method: 'GET', path: '/chain', headers: [], bodyKind: 'none' });
    assert.equal(shown.status, '200 OK', shows(shown));
    const opened = waitForEvent(
      vscode.window.onDidChangeActiveTextEditor,
      () => vscode.window.activeTextEditor,
      20_000,
      () => 'no editor became active after clicking the console line\'s source',
    );
    const link = await ui<{ text: string; title: string }>('panel.openConsoleSource', { message: 'chain: answered' }, 45_000);
    assert.match(link.text, new RegExp(`^src/index\\.ts:${line + 1}(:\\d+)?$`), JSON.stringify(link));
    const editor = await opened;
    assert.equal(editor.document.uri.fsPath, source.fsPath);
    assert.equal(editor.selection.active.line, line, `selection ${JSON.stringify(editor.selection.active)}`);
    await ui('panel.tab', { tab: 'body' });
  });
});
