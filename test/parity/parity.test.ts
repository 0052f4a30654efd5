// The differential parity suite: every fixture in test/fixtures/parity/<name>/ (a worker plus a requests.json) runs under
// workerd, Cloudflare's real runtime (the oracle), and under `worker-studio dev`, from the same sources; each request is
// sent to both and the answers must agree on status, status text, content-type, every x-* header, the set-cookie list
// and the body bytes. See test/fixtures/parity/README.md for the requests.json format.
//
// One workerd process serves all fixtures (one service and socket each, one config); each fixture gets its own
// `worker-studio dev`, started a few fixtures ahead so their startup overlaps with the requests of earlier ones.
import assert from 'node:assert/strict';
import { readdirSync, existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prepareWorkerdServices, serveWorkerdServices } from '../workerd.ts';
import { ensureRuntimeBuilt, fixture, startDev, type DevProcess } from '../runtime/helpers.ts';

/** Which parts of an answer are compared (all by default). */
interface CompareOptions {
  status?: boolean;
  statusText?: boolean;
  contentType?: boolean;
  /** The x-* headers. */
  headers?: boolean;
  setCookie?: boolean;
  body?: boolean;
}

interface ParityRequest {
  name?: string;
  method?: string;
  path: string;
  /** Sent in this order; `host` defaults to HOST (so request.url is the same on both sides). */
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
  compare?: CompareOptions;
}

/** requests.json: a list of requests, or an object with fixture-wide compare options. */
/** `project`: the worker's folder relative to the fixture's, when the worker lives elsewhere (examples/). */
/** `instances`: how many instances `dev` runs (workerd has one): 1 for a worker whose requests build on each other's state. */
type RequestsFile = ParityRequest[] | { project?: string; instances?: number; compare?: CompareOptions; requests: ParityRequest[] };

interface Fixture {
  name: string;
  dir: string;
  compare: CompareOptions;
  requests: ParityRequest[];
  instances?: number;
}

interface Observed {
  status: number;
  statusText: string;
  contentType: string | null;
  headers: [string, string][];
  setCookie: string[];
  body: Buffer;
}

const HOST = 'parity.test';
/** How many `dev` processes may be starting or running at once. */
const LOOKAHEAD = 3;

// PARITY_FIXTURES=parity-pending runs the fixtures waiting for runtime APIs instead.
const root = fixture(process.env.PARITY_FIXTURES ?? 'parity');
const fixtures: Fixture[] = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(root, entry.name, 'requests.json')))
  .map((entry) => entry.name)
  .sort()
  .map((name) => {
    const dir = path.join(root, name);
    const file = JSON.parse(readFileSync(path.join(dir, 'requests.json'), 'utf8')) as RequestsFile;
    if (Array.isArray(file)) return { name, dir, compare: {}, requests: file };
    return { name, dir: path.resolve(dir, file.project ?? '.'), compare: file.compare ?? {}, requests: file.requests, ...(file.instances ? { instances: file.instances } : {}) };
  });

// One keep-alive agent per side, so each side reuses its connections the same way.
const agents = { ours: new http.Agent({ keepAlive: true, maxSockets: 4 }), workerd: new http.Agent({ keepAlive: true, maxSockets: 4 }) };

function send(base: string, request: ParityRequest, agent: http.Agent): Promise<Observed> {
  const url = new URL(base);
  const body = request.bodyBase64 !== undefined ? Buffer.from(request.bodyBase64, 'base64') : request.body !== undefined ? Buffer.from(request.body, 'utf8') : undefined;
  const headers: Record<string, string> = { host: HOST, ...request.headers };
  if (body && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: request.method ?? 'GET', path: request.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          contentType: res.headers['content-type'] ?? null,
          headers: pairs.filter(([name]) => name.startsWith('x-')).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
          setCookie: res.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function showBody(body: Buffer): string {
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return JSON.stringify(text.decode(body));
  } catch {
    return `<${body.length} bytes> ${body.toString('base64')}`;
  }
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function jsonDiff(a: unknown, b: unknown, at: string, lines: string[]): void {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      jsonDiff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${at}[${key}]` : `${at}.${key}`, lines);
    }
    return;
  }
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) lines.push(`  body ${at}:\n    ours:    ${sa}\n    workerd: ${sb}`);
}

/** The differences, one readable line per field (empty when identical). */
function diff(ours: Observed, theirs: Observed, compare: CompareOptions): string[] {
  const lines: string[] = [];
  const field = (name: string, a: unknown, b: unknown) => {
    const sa = JSON.stringify(a);
    const sb = JSON.stringify(b);
    if (sa !== sb) lines.push(`  ${name}:\n    ours:    ${sa}\n    workerd: ${sb}`);
  };
  if (compare.status !== false) field('status', ours.status, theirs.status);
  if (compare.statusText !== false) field('statusText', ours.statusText, theirs.statusText);
  if (compare.contentType !== false) field('content-type', ours.contentType, theirs.contentType);
  if (compare.headers !== false) {
    const names = [...new Set([...ours.headers, ...theirs.headers].map(([name]) => name))].sort();
    for (const name of names) {
      // Repeated fields are combined with ", " (RFC 9110 §5.3; what Headers.get gives): one line "a, b" equals two lines.
      const value = (pairs: [string, string][]) => pairs.filter(([n]) => n === name).map(([, v]) => v).join(', ') || null;
      field(`header ${name}`, value(ours.headers), value(theirs.headers));
    }
  }
  if (compare.setCookie !== false) field('set-cookie', ours.setCookie, theirs.setCookie);
  if (compare.body !== false && !ours.body.equals(theirs.body)) {
    const a = parseJson(ours.body);
    const b = parseJson(theirs.body);
    // Two JSON bodies: name the differing members (short), then the whole bodies.
    if (a.ok && b.ok) jsonDiff(a.value, b.value, '$', lines);
    lines.push(`  body:\n    ours:    ${showBody(ours.body)}\n    workerd: ${showBody(theirs.body)}`);
  }
  return lines;
}

// workerd: one process for every fixture, started once (the first fixture's `before` awaits it).
let oracle: Promise<{ urls: Map<string, string>; stop(): Promise<void>; dir: string }> | undefined;
function startOracle() {
  oracle ??= (async () => {
    const dir = await prepareWorkerdServices(fixtures.map((f) => ({ name: f.name, projectPath: f.dir })));
    const served = await serveWorkerdServices(
      dir,
      fixtures.map((f) => f.name),
    );
    return { ...served, dir };
  })();
  return oracle;
}

// `dev`: one process per fixture, started LOOKAHEAD fixtures ahead.
const devs: Promise<DevProcess>[] = [];
function devFor(index: number): Promise<DevProcess> {
  for (let i = index; i < Math.min(index + LOOKAHEAD, fixtures.length); i++) {
    const instances = fixtures[i]!.instances;
    devs[i] ??= startDev([fixtures[i]!.dir, '--port', '0', ...(instances ? ['--instances', String(instances)] : [])]);
    // A start that fails is reported by its own fixture; don't let it be an unhandled rejection meanwhile.
    devs[i]!.catch(() => {});
  }
  return devs[index]!;
}

let identical = 0;
let differing = 0;
const requestCount = fixtures.reduce((n, f) => n + f.requests.length, 0);

before(() => {
  ensureRuntimeBuilt();
  void startOracle().catch(() => {});
});

after(async () => {
  agents.ours.destroy();
  agents.workerd.destroy();
  await Promise.all(devs.map((d) => d.then((dev) => dev.stop()).catch(() => {})));
  if (oracle) {
    const served = await oracle.catch(() => undefined);
    await served?.stop();
    if (served) rmSync(served.dir, { recursive: true, force: true });
  }
  console.log(`parity: ${fixtures.length} fixtures, ${identical} requests identical${differing ? `, ${differing} differ` : ''}${identical + differing < requestCount ? `, ${requestCount - identical - differing} not compared` : ''}`);
});

fixtures.forEach((fx, index) => {
  describe(`parity ${fx.name}`, () => {
    let ours: string;
    let theirs: string;
    before(async () => {
      const [dev, served] = await Promise.all([devFor(index), startOracle()]);
      ours = dev.url;
      theirs = served.urls.get(fx.name)!;
    });
    after(async () => {
      await devs[index]?.then((dev) => dev.stop()).catch(() => {});
    });
    for (const request of fx.requests) {
      const label = `${request.method ?? 'GET'} ${request.path}${request.name ? ` (${request.name})` : ''}`;
      test(label, async () => {
        // Sequential, not concurrent: a worker's console output (or a bug) can then be pinned to one request.
        const a = await send(ours, request, agents.ours);
        const b = await send(theirs, request, agents.workerd);
        const lines = diff(a, b, { ...fx.compare, ...request.compare });
        if (lines.length > 0) {
          differing++;
          assert.fail(`parity ${fx.name}: ${label} differs from workerd\n${lines.join('\n')}`);
        }
        identical++;
      });
    }
  });
});
