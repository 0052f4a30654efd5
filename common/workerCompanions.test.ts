// Which workers start beside a worker: those its service and Durable Object bindings name, transitively, found by
// their config's `name`; unknown names and broken configs elsewhere are left out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { workerCompanions } from './workerCompanions.ts';

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ws-companions-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

test('services and script_name bring their workers, transitively, each once', () => {
  const root = workspace({
    'web/wrangler.toml': 'name = "web"\nmain = "i.js"\nservices = [{ binding = "API", service = "api" }, { binding = "NOPE", service = "missing" }]\n[[durable_objects.bindings]]\nname = "C"\nclass_name = "C"\nscript_name = "store"\n',
    'web/i.js': '',
    'api/wrangler.toml': 'name = "api"\nmain = "i.js"\nservices = [{ binding = "STORE", service = "store" }, { binding = "BACK", service = "web" }]\n',
    'api/i.js': '',
    'store/wrangler.jsonc': '{ "name": "store", "main": "i.js" }',
    'store/i.js': '',
    'broken/wrangler.toml': 'name = ',
    'other/wrangler.toml': 'name = "other"\nmain = "i.js"\n',
    'other/i.js': '',
  });
  try {
    const configs = ['web/wrangler.toml', 'api/wrangler.toml', 'store/wrangler.jsonc', 'broken/wrangler.toml', 'other/wrangler.toml'].map((file) => path.join(root, file));
    // In the order readBindings lists the bindings (Durable Objects before services, as `wrangler types` writes them).
    assert.deepEqual(workerCompanions(configs[0]!, configs), [
      { config: configs[2], name: 'store', because: 'C → store' },
      { config: configs[1], name: 'api', because: 'API → api' },
    ]);
    assert.deepEqual(workerCompanions(configs[4]!, configs), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
