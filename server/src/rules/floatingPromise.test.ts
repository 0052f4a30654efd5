// Unit tests of floating-promise on in-memory workers: which statements float, and the waitUntil quick fix named as
// in scope (ctx, event, c.executionCtx, this.ctx) or absent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerDiagnostic } from '../diagnostics.ts';
import { applyFirstFix, diagnoseInMemory, sites } from './inMemoryWorker.ts';
import { diagnoseWorker } from './testWorker.ts';

const CODE = 'floating-promise';

function floating(text: string, file = 'src/index.ts'): WorkerDiagnostic[] {
  return diagnoseInMemory({ [file]: text }).filter((d) => d.code === CODE);
}

describe('floating-promise', () => {
  it('flags a fetch nobody waits for, and wraps it in the handler’s own context parameter', () => {
    const text = `export default {\n  async fetch(request: Request, _env: Env, context: ExecutionContext) {\n    fetch('https://log.example.com', { method: 'POST', body: request.url });\n    return new Response('ok');\n  },\n};\n`;
    const [d, ...rest] = floating(text);
    assert.equal(rest.length, 0);
    assert.deepEqual(d!.start, { line: 2, character: 4 });
    assert.equal(d!.severity, 'warning');
    assert.match(d!.message, /^This promise is neither awaited, returned nor passed to context\.waitUntil\(\)\. In production the runtime may stop/);
    assert.equal(d!.fixes?.[0]?.title, 'Wrap in context.waitUntil(…)');
    assert.match(applyFirstFix(text, d!), /\n {4}context\.waitUntil\(fetch\('https:\/\/log\.example\.com', \{ method: 'POST', body: request\.url \}\)\);\n/);
  });

  it('does not flag awaited, returned, assigned, waitUntil’d or void promises, nor load-time ones', () => {
    const text = `const ready = fetch('https://example.com/boot');
ready.then(() => undefined);
async function work() {}
export default {
  async fetch(_request: Request, _env: Env, ctx: ExecutionContext) {
    await work();
    ctx.waitUntil(work());
    void work();
    const later = work();
    await later;
    if (Math.random() > 2) return fetch('https://example.com');
    return new Response(String((await ready).status));
  },
};
`;
    assert.deepEqual(floating(text), []);
  });

  it('code the handler calls is checked too; without a context in scope there is no quick fix', () => {
    const text = `async function send(body: string) { await fetch('https://x.example.com', { method: 'POST', body }); }\nfunction notify(text: string) {\n  send(text);\n}\nexport default {\n  fetch(request: Request) {\n    notify(request.url);\n    return new Response('ok');\n  },\n};\n`;
    const [d, ...rest] = floating(text);
    assert.equal(rest.length, 0);
    assert.deepEqual(d!.start, { line: 2, character: 2 });
    assert.equal(d!.fixes, undefined);
    assert.match(d!.message, /passed to ctx\.waitUntil\(\)/);
  });

  it('service-worker syntax: event.waitUntil', () => {
    const files = {
      'wrangler.toml': 'name = "w"\nmain = "worker.js"\n',
      'worker.js': `addEventListener('fetch', (event) => {\n  fetch('https://log.example.com');\n  event.respondWith(new Response('ok'));\n});\n`,
    };
    const [d] = diagnoseWorker(files, 'worker.js').filter((x) => x.code === CODE);
    assert.equal(d?.fixes?.[0]?.title, 'Wrap in event.waitUntil(…)');
    assert.equal(d!.fixes![0]!.edits[0]!.newText, "event.waitUntil(fetch('https://log.example.com'))");
  });

  it('JavaScript module handler: the third parameter, whatever its name; Hono: c.executionCtx', () => {
    const js = `export default {\n  async fetch(request, env, executionContext) {\n    fetch(request.url);\n    return new Response('ok');\n  },\n};\n`;
    assert.equal(floating(js, 'src/index.js')[0]?.fixes?.[0]?.title, 'Wrap in executionContext.waitUntil(…)');
    const hono = `import { Hono } from 'hono';\nconst app = new Hono();\napp.get('/', (c) => {\n  fetch('https://x.example.com');\n  return c.text('ok');\n});\nexport default app;\n`;
    assert.equal(floating(hono)[0]?.fixes?.[0]?.title, 'Wrap in c.executionCtx.waitUntil(…)');
  });

  it('Durable Objects: this.ctx.waitUntil; storage writes and blockConcurrencyWhile need no await', () => {
    const text = `import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {});
  }
  override async fetch() {
    this.ctx.storage.put('k', 1);
    fetch('https://x.example.com');
    return new Response('ok');
  }
}
export default { fetch: () => new Response('ok') };
`;
    const diagnostics = floating(text);
    assert.deepEqual(sites(diagnostics, CODE), [`9:5 ${CODE}`]);
    assert.equal(diagnostics[0]!.fixes?.[0]?.title, 'Wrap in this.ctx.waitUntil(…)');
  });

  it('no quick fix when the value is only sometimes a promise (waitUntil would not take it as it is)', () => {
    const text = `export default {\n  async fetch(request: Request, _env: Env, ctx: ExecutionContext) {\n    request.method === 'POST' && fetch(request.url);\n    return new Response('ok');\n  },\n};\n`;
    const [d, ...rest] = floating(text);
    assert.equal(rest.length, 0);
    assert.ok(d);
    assert.equal(d.fixes, undefined);
  });

  it('no quick fix when the context’s name means something else where the promise is', () => {
    const text = `export default {\n  async fetch(request: Request, _env: Env, ctx: ExecutionContext) {\n    [1].forEach((ctx) => {\n      fetch(request.url + ctx);\n    });\n    return new Response('ok');\n  },\n};\n`;
    const [d] = floating(text);
    assert.ok(d);
    assert.equal(d.fixes, undefined);
  });
});
