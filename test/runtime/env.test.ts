// The worker's env as wrangler builds it (runtime/src/workerEnv.ts over common/bindings.ts): vars (strings and JSON),
// secrets from .dev.vars overriding vars, `--env NAME` selecting an [env.NAME] section and .dev.vars.NAME, a saved
// .dev.vars reloading the worker, and bindings the runtime does not provide yet named in a warning with file:line.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeBuilt, fixture, runDev, startDev } from './helpers.ts';

ensureRuntimeBuilt();

test('env has the config vars and the .dev.vars secrets (a secret overrides the var of its name)', async () => {
  const dev = await startDev([fixture('runtime-env'), '--port', '0']);
  try {
    assert.deepEqual(await (await fetch(dev.url)).json(), {
      API_TOKEN: 'from-dev-vars',
      GREETING: 'hello',
      LIMITS: { max: 3, names: ['a', 'b'] },
      SESSION_SECRET: 's3cret value',
    });
    await dev.waitFor('stderr', /not available in Worker Studio yet, left out of env: env\.AI \(ai, wrangler\.toml:11\)/);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});

test('--env staging: the section\'s vars (not inherited from the top level) and .dev.vars.staging instead of .dev.vars', async () => {
  const dev = await startDev([fixture('runtime-env'), '--port', '0', '--env', 'staging']);
  try {
    // wrangler does not inherit vars (or bindings) into an environment: only what [env.staging] declares.
    assert.deepEqual(await (await fetch(dev.url)).json(), { API_TOKEN: 'staging-token', GREETING: 'hello from staging' });
  } finally {
    assert.equal(await dev.stop(), 0);
  }
});

test('--env with an environment the config does not declare exits 1 naming the config and the environments it has', async () => {
  const { code, stderr } = await runDev([fixture('runtime-env'), '--port', '0', '--env', 'production']);
  assert.equal(code, 1);
  assert.match(stderr, /runtime-env\/wrangler\.toml.*no environment "production" \(declared: staging\)/);
});

test('saving .dev.vars reloads the worker with the new secret', async () => {
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-env-'));
  cpSync(fixture('runtime-env'), project, { recursive: true });
  const dev = await startDev([project, '--port', '0']);
  try {
    assert.equal(((await (await fetch(dev.url)).json()) as { API_TOKEN: string }).API_TOKEN, 'from-dev-vars');
    writeFileSync(path.join(project, '.dev.vars'), 'API_TOKEN=rotated\n');
    await dev.waitFor('stderr', /↻ reloaded \(.*\.dev\.vars\)/);
    const env = (await (await fetch(dev.url)).json()) as Record<string, unknown>;
    assert.equal(env.API_TOKEN, 'rotated');
    assert.equal(env.SESSION_SECRET, undefined, 'a secret removed from .dev.vars is gone');
  } finally {
    assert.equal(await dev.stop(), 0);
    rmSync(project, { recursive: true, force: true });
  }
});

test('a binding the runtime cannot use is a config error naming the file, line and key: exit 1', async () => {
  const project = mkdtempSync(path.join(os.tmpdir(), 'ws-env-bad-'));
  cpSync(fixture('runtime-env'), project, { recursive: true });
  writeFileSync(path.join(project, 'wrangler.toml'), 'name = "bad"\nmain = "src/index.ts"\n\n[[r2_buckets]]\nbinding = "FILES"\n');
  try {
    const { code, stderr } = await runDev([project, '--port', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /wrangler\.toml:4:1: `r2_buckets\[0\]` needs `bucket_name`/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
