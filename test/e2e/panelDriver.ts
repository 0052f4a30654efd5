// The request panel, driven like a user in the code-server workbench while the suite runs. The suite's panel test
// focuses the view (workerStudio.requestPanel.focus) and waits for the panel's requests; this finds the panel's webview
// frame (nested iframes: .../webview/browser/pre/...), waits until Send is enabled (a worker runs), sends
// GET /json?from=panel, checks the status and body the panel shows, screenshots the page, then clicks Send once more
// with /json?from=panel-checked: the suite goes on only after that, so no later test changes the workbench under it.
import type { Frame, Page } from 'playwright-core';
import { log } from './report.ts';

const SEND = 'form#request > button#send';
// The suite's panel test waits for these `from` markers (nothing else sends them).
const PANEL_PATH = '/json?from=panel';
const PANEL_CHECKED_PATH = '/json?from=panel-checked';

export interface PanelDrive {
  /** Undefined once the panel has shown the worker's response; otherwise what the driver saw. */
  problem(): string | undefined;
}

/** Starts driving the panel in `page` (call before the workbench loads); the screenshot goes to `screenshot`. */
export function drivePanel(page: Page, screenshot: string): PanelDrive {
  let step = 'waiting for a frame with the request panel (#send)';
  let passed = false;
  let error: string | undefined;
  let statusText: string | undefined;
  let frame: Frame | undefined;

  const drive = async () => {
    frame = await findFrame(page, SEND);
    log(`panel: found the request panel in frame ${frame.url().split('?')[0]}`);
    step = 'waiting for #send to be enabled (the panel enables it when a worker runs)';
    await frame.waitForSelector(`${SEND}:enabled`, { timeout: 0 });
    step = `sending GET ${PANEL_PATH}`;
    await frame.selectOption('#method', 'GET');
    await frame.fill('#path', PANEL_PATH);
    await frame.click(SEND);
    step = 'waiting for #status to show the response (class ok or fail)';
    await frame.waitForSelector('#status.ok, #status.fail', { timeout: 0 });
    step = 'checking the #status and #body the panel shows';
    statusText = (await frame.textContent('#status')) ?? '';
    const body = (await frame.textContent('#body')) ?? '';
    if (!/^200 /.test(statusText)) throw new Error(`#status shows "${statusText}", expected 200 …; #body: ${body.slice(0, 300)}`);
    let json: { path?: unknown; query?: Record<string, unknown> };
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      throw new Error(`#body is not JSON: ${body.slice(0, 300)}`);
    }
    if (json.path !== '/json' || json.query?.from !== 'panel') throw new Error(`#body is not hello's answer to ${PANEL_PATH}: ${body.slice(0, 300)}`);
    step = 'taking the screenshot';
    await page.screenshot({ path: screenshot });
    passed = true;
    log(`panel: shows "${statusText}" and ${body.length} B of JSON; screenshot ${screenshot}`);
    step = `sending ${PANEL_CHECKED_PATH} (tells the suite the response was checked)`;
    await frame.fill('#path', PANEL_CHECKED_PATH);
    await frame.click(SEND);
    step = 'done';
  };
  drive().catch((err: unknown) => {
    error = String(err instanceof Error ? err.message : err).split('\n')[0];
    if (!page.isClosed()) log(`panel: FAILED ${step}: ${error}`);
  });

  return {
    problem() {
      if (passed) return undefined;
      const frames = page.isClosed() ? '(page closed)' : page.frames().map((f) => f.url().split('?')[0] || '(blank)').join(', ');
      return [
        `stopped at: ${step}`,
        error && `error: ${error}`,
        statusText !== undefined && `#status: "${statusText}"`,
        frame ? `panel frame: ${frame.url().split('?')[0]}` : `frames: ${frames}`,
      ]
        .filter(Boolean)
        .join('; ');
    },
  };
}

/** The first frame, present or yet to attach, that has `selector` (waitForSelector waits across the frame's navigations). */
function findFrame(page: Page, selector: string): Promise<Frame> {
  return new Promise((resolve) => {
    const watched = new WeakSet<Frame>();
    const watch = (frame: Frame) => {
      if (watched.has(frame)) return;
      watched.add(frame);
      frame.waitForSelector(selector, { state: 'attached', timeout: 0 }).then(
        () => {
          page.off('frameattached', watch);
          resolve(frame);
        },
        () => undefined, // the frame went away, or the browser closed
      );
    };
    page.on('frameattached', watch);
    page.frames().forEach(watch);
  });
}
