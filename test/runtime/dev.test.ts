// `worker-studio dev` end to end: a real process, real HTTP.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import path from 'node:path';
import { ensureRuntimeBuilt, fixture, repoRoot, runDev, startDev, type DevProcess } from './helpers.ts';

before(() => ensureRuntimeBuilt());

describe('examples/hello', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([path.join(repoRoot, 'examples/hello'), '--port', '0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('--port 0 prints the real port, and it serves there', async () => {
    assert.notEqual(dev.port, 0);
    assert.match(dev.stdout(), new RegExp(`^Ready on http://127\\.0\\.0\\.1:${dev.port}$`, 'm'));
  });

  test('/ answers 200 text', async () => {
    const res = await fetch(`${dev.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'Hello from Worker Studio!\n');
  });

  test('/x?y=1 echoes method, path, query and user-agent as JSON', async () => {
    const res = await fetch(`${dev.url}/x?y=1`, { headers: { 'user-agent': 'dev-test/1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { method: 'GET', path: '/x', query: { y: '1' }, userAgent: 'dev-test/1' });
  });

  test('one log line per request: method, path, status, CPU ms, wall ms, instance', async () => {
    await fetch(`${dev.url}/logged?z=2`);
    await dev.waitFor('stdout', /^GET \/logged\?z=2 200 \d+(\.\d+)?ms cpu \d+(\.\d+)?ms wall #[12]$/m);
  });
});

describe('headers, status, body, vars', () => {
  let dev: DevProcess;
  before(async () => {
    dev = await startDev([fixture('runtime-headers'), '--port=0']);
  });
  after(async () => assert.equal(await dev.stop(), 0));

  test('reads request headers and body; answers custom status, status text and headers', async () => {
    const res = await fetch(`${dev.url}/echo`, { method: 'POST', headers: { 'X-Custom': 'abc' }, body: 'héllo' });
    assert.equal(res.status, 201);
    assert.equal(res.statusText, 'Made It');
    assert.equal(res.headers.get('x-reply'), 'got abc');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'POST abc héllo');
    // The worker's console.log reaches the terminal.
    await dev.waitFor('stdout', /^echo POST 5 {2}\(test\/fixtures\/runtime-headers\/src\/index\.ts:\d+:\d+\)$/m);
  });

  test('several set-cookie headers stay separate; 204 has no body', async () => {
    const res = await fetch(`${dev.url}/cookies`);
    assert.equal(res.status, 204);
    assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(await res.text(), '');
  });

  test('env carries the config vars (strings and JSON)', async () => {
    const res = await fetch(`${dev.url}/env`);
    assert.deepEqual(await res.json(), { greeting: 'hi', max: 3 });
  });

  test('request.json() and Response.json() with a status', async () => {
    const res = await fetch(`${dev.url}/json`, { method: 'POST', body: JSON.stringify({ n: 21 }) });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { doubled: 42 });
  });
});

test('a handler that throws answers 500 with the message and a source-mapped stack, and logs it', async () => {
  const dev = await startDev([fixture('runtime-throws/index.ts'), '--port', '0']);
  try {
    const res = await fetch(`${dev.url}/boom`);
    assert.equal(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await res.text();
    assert.match(body, /Error: boom from the handler/);
    assert.match(body, /runtime-throws\/index\.ts:5:11/);
    await dev.waitFor('stderr', /boom from the handler/);
    // The worker keeps serving.
    assert.equal(await (await fetch(`${dev.url}/ok`)).text(), 'fine');
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});

test('service-worker syntax: addEventListener("fetch") + respondWith', async () => {
  const dev = await startDev([fixture('runtime-service-worker/worker.js'), '--port', '0']);
  try {
    assert.equal(await (await fetch(`${dev.url}/sw`, { method: 'DELETE' })).text(), 'sw DELETE /sw');
  } finally {
    await dev.stop();
  }
});

test('a missing entry exits 1 with file:line on stderr', async () => {
  const { code, stdout, stderr } = await runDev([fixture('runtime-missing-entry'), '--port', '0']);
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /Ready on/);
  assert.match(stderr, /runtime-missing-entry\/wrangler\.toml:3: "main" points at src\/nope\.ts, which does not exist/);
});

test('a TypeScript syntax error exits 1 with src/index.ts:LINE:COL on stderr', async () => {
  const { code, stderr } = await runDev([fixture('runtime-syntax-error'), '--port', '0']);
  assert.equal(code, 1);
  assert.match(stderr, /runtime-syntax-error\/src\/index\.ts:3:15: Unexpected ";"/);
});

test('an exception while the module evaluates is located in the source; the sidecar keeps serving (500)', async () => {
  const dev = await startDev([fixture('runtime-load-error/index.js'), '--port', '0']);
  try {
    await dev.waitFor('stderr', /runtime-load-error\/index\.js:3:\d+: the worker failed to load: TypeError: Cannot read properties of undefined \(reading 'limit'\)/);
    const res = await fetch(dev.url);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /runtime-load-error\/index\.js:3:\d+/);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});

test('bad arguments exit 2 with usage', async () => {
  const { code, stderr } = await runDev(['--port', 'nope']);
  assert.equal(code, 2);
  assert.match(stderr, /Usage: worker-studio dev/);
});

test('the sidecar refuses to run without --no-node-snapshot (isolated-vm needs it)', async () => {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'dist/runtime.cjs'), path.join(repoRoot, 'examples/hello')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /--no-node-snapshot/);
});

test('an unusable TMPDIR or cache folder (under /proc) costs only the prelude cache: the sidecar keeps serving and stops on SIGTERM', { timeout: 30_000 }, async () => {
  // Node's recursive mkdir loops forever under /proc; the prelude cache once did that and pinned a core at 100 %.
  const dev = await startDev([path.join(repoRoot, 'examples/hello'), '--port', '0'], { env: { TMPDIR: '/proc/none', WORKER_STUDIO_CACHE: '/proc/none/cache' } });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${dev.url}/`);
      assert.equal(res.status, 200);
      await res.text();
    }
  } finally {
    assert.equal(await dev.stop(), 0, 'the sidecar must still handle SIGTERM (its event loop is not blocked)');
  }
});

test('the prelude code cache is written only to a private per-user folder (0700), as a 0600 file', { skip: process.platform === 'win32', timeout: 30_000 }, async () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'ws-cache-'));
  const dev = await startDev([path.join(repoRoot, 'examples/hello'), '--port', '0'], { env: { WORKER_STUDIO_CACHE: path.join(cache, 'root') } });
  try {
    const dir = path.join(cache, 'root', 'v8cache');
    let files: string[] = [];
    for (let i = 0; i < 100 && files.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      files = existsSync(dir) ? readdirSync(dir) : [];
    }
    assert.equal(lstatSync(dir).mode & 0o777, 0o700);
    assert.equal(files.length, 1, files.join());
    assert.match(files[0] as string, /^prelude-[0-9a-f]+\.v8cache$/);
    assert.equal(lstatSync(path.join(dir, files[0] as string)).mode & 0o777, 0o600);
  } finally {
    assert.equal(await dev.stop(), 0);
    rmSync(cache, { recursive: true, force: true });
  }
});
