// The UI-driver channel: an HTTP endpoint on 127.0.0.1 (random port) beside code-server. The E2E suite, running in the
// extension host, asks it to run a named scenario (scenarios.ts) in the workbench page with Playwright and gets the
// scenario's JSON result, or its error with the step it was at and what the page showed (wire.ts). One scenario at a
// time, in arrival order: scenarios act on one page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { log } from '../report.ts';
import { describeFrames } from './frames.ts';
import type { ScenarioContext } from './scenario.ts';
import { scenarios } from './scenarios.ts';
import type { UiAnswer, UiRequest } from './wire.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
/** The most a request body may be: scenario arguments are small. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface UiDriver {
  /** `http://127.0.0.1:PORT`, for the extension host's env. */
  url: string;
  /** The workbench page scenarios run in; requests that arrive before it wait for it. */
  attach(page: Page): void;
  /** How many scenarios ran, and how many failed (for the runner's summary). */
  counts(): { ran: number; failed: number };
  close(): Promise<void>;
}

export async function startUiDriver(): Promise<UiDriver> {
  let attach!: (page: Page) => void;
  const pageReady = new Promise<Page>((resolve) => (attach = resolve));
  let queue: Promise<unknown> = Promise.resolve();
  let ran = 0;
  let failed = 0;

  const run = async (request: UiRequest): Promise<UiAnswer> => {
    const started = performance.now();
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = started + timeoutMs;
    let step = 'waiting for the workbench page';
    const seen: Array<() => Promise<string> | string> = [];
    let page: Page | undefined;
    const context = (p: Page): ScenarioContext => ({
      page: p,
      remaining: () => Math.max(1, deadline - performance.now()),
      step: (what) => (step = what),
      seen: (describe) => void seen.push(describe),
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const scenario = scenarios[request.scenario];
      if (!scenario) throw new Error(`no scenario "${request.scenario}"; known: ${Object.keys(scenarios).join(', ')}`);
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs)));
      const result = await Promise.race([
        (async () => {
          page = await pageReady;
          step = 'starting';
          return scenario(context(page), request.args ?? {});
        })(),
        timeout,
      ]);
      ran++;
      log(`ui: ${request.scenario} done (${Math.round(performance.now() - started)} ms)`);
      return { ok: true, result: result ?? null };
    } catch (err) {
      ran++;
      failed++;
      const error = String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
      const details: string[] = [];
      for (const describe of seen) {
        try {
          details.push(await Promise.race([Promise.resolve(describe()), new Promise<string>((r) => setTimeout(() => r('(describing timed out)'), 5_000))]));
        } catch (e) {
          details.push(`(could not describe: ${String(e)})`);
        }
      }
      details.push(page ? `frames: ${describeFrames(page)}` : 'the workbench page was never attached');
      log(`ui: ${request.scenario} FAILED at "${step}": ${error}`);
      return { ok: false, error, step, seen: details.join('; ') };
    } finally {
      clearTimeout(timer);
    }
  };

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: UiAnswer) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/run') {
      answer(404, { ok: false, error: `${req.method} ${req.url}: the driver answers POST /run only`, step: 'routing', seen: '' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      let request: UiRequest;
      try {
        if (size > MAX_REQUEST_BYTES) throw new Error(`request body over ${MAX_REQUEST_BYTES} bytes`);
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as UiRequest;
        if (typeof request.scenario !== 'string') throw new Error('"scenario" must be a string');
      } catch (err) {
        answer(400, { ok: false, error: `bad request: ${String(err instanceof Error ? err.message : err)}`, step: 'parsing', seen: '' });
        return;
      }
      const next = queue.then(() => run(request));
      queue = next;
      void next.then((result) => answer(200, result));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attach,
    counts: () => ({ ran, failed }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
