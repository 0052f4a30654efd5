// Finding a webview's content in the workbench page: webviews are nested iframes (.../webview/browser/pre/...), attached
// and re-attached as views open, hide and reload. Waits are on frame events and selectors, never on sleeps.
import type { Frame, Page } from 'playwright-core';

/** The first frame, present now or attached within `ms`, that has `selector`; rejects after `ms` with the frames seen. */
export function frameWith(page: Page, selector: string, ms: number): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const watched = new WeakSet<Frame>();
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      page.off('frameattached', watch);
      fn();
    };
    const watch = (frame: Frame) => {
      if (watched.has(frame) || done) return;
      watched.add(frame);
      frame.waitForSelector(selector, { state: 'attached', timeout: ms }).then(
        () => finish(() => resolve(frame)),
        () => undefined, // not in this frame, or the frame went away (a reloaded webview gets a new frame)
      );
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no frame has ${selector} after ${ms / 1000} s; frames: ${describeFrames(page)}`))), ms);
    page.on('frameattached', watch);
    page.frames().forEach(watch);
  });
}

/** The page's frames, by URL without query, for failure messages. */
export function describeFrames(page: Page): string {
  if (page.isClosed()) return '(page closed)';
  return page
    .frames()
    .map((f) => (f.isDetached() ? '(detached) ' : '') + (f.url().split('?')[0] || '(blank)'))
    .join(', ');
}
