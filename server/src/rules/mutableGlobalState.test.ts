// Unit tests of mutable-global-state on in-memory workers: what runs per request, whose state a write changes, the
// messages, and the "Move `x` into the handler" quick fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFirstFix, diagnoseInMemory, sites } from './inMemoryWorker.ts';
import { diagnoseWorker } from './testWorker.ts';

const CODE = 'mutable-global-state';

function flagged(text: string, file = 'src/index.ts'): string[] {
  return sites(diagnoseInMemory({ [file]: text }), CODE);
}

describe('mutable-global-state', () => {
  it('flags writes in a handler, not top-level initialisation nor functions only it calls', () => {
    const text = `let count = 0;
const cache = new Map<string, number>();
function init() { count = 1; cache.set('boot', 1); }
init();
cache.set('top', 2);
export default {
  fetch(request: Request) {
    count++;
    cache.set(request.url, count);
    cache.get(request.url);
    return new Response(String(count));
  },
};
`;
    assert.deepEqual(flagged(text), [`8:5 ${CODE}`, `9:5 ${CODE}`]);
  });

  it('follows what a handler calls: helpers, methods, callbacks, imported functions', () => {
    const files = {
      'src/index.ts': `import { record } from './log.ts';
let ticks = 0;
const helper = { tick() { ticks++; } };
export default {
  async fetch(request: Request, _env: Env, ctx: ExecutionContext) {
    helper.tick();
    record(request.url);
    ctx.waitUntil(Promise.resolve().then(() => { ticks = 0; }));
    return new Response('ok');
  },
};
`,
      'src/log.ts': `const lines: string[] = [];\nexport function record(line: string) {\n  lines.push(line);\n}\nexport function unused() { lines.length = 0; }\n`,
    };
    const diagnostics = diagnoseInMemory(files);
    assert.deepEqual(sites(diagnostics, CODE), [`3:27 ${CODE}`, `8:50 ${CODE}`]);
    assert.deepEqual(sites(diagnoseInMemory(files, 'src/log.ts'), CODE), [`3:3 ${CODE}`]);
  });

  it('leaves locals, parameters and shadowing names alone', () => {
    const text = `let count = 0;
const items: number[] = [];
export default {
  fetch(request: Request) {
    let count = 1;
    count++;
    const items = [1];
    items.push(2);
    [3].forEach((count) => { count++; });
    return new Response(String(count + items.length + request.url.length));
  },
};
export const unusedAtRuntime = () => [count, items];
`;
    assert.deepEqual(flagged(text), []);
  });

  it('routes of Hono and itty-router are handlers', () => {
    const hono = `import { Hono } from 'hono';
const app = new Hono();
let n = 0;
app.get('/', (c) => { n++; return c.text(String(n)); });
export default app;
`;
    assert.deepEqual(flagged(hono), [`4:23 ${CODE}`]);
    const itty = `import { AutoRouter } from 'itty-router';
const router = AutoRouter();
const seen: string[] = [];
router.get('/', (request: Request) => { seen.push(request.url); return 'ok'; });
export default router;
`;
    assert.deepEqual(flagged(itty), [`4:41 ${CODE}`]);
  });

  it('Durable Objects: instance fields are fine, module scope is not; classes bound in the config count', () => {
    const text = `import { DurableObject } from 'cloudflare:workers';
let created = 0;
export class Room extends DurableObject {
  visitors = 0;
  override async fetch() {
    this.visitors++;
    created++;
    return new Response(String(this.visitors));
  }
}
export default { fetch: () => new Response('ok') };
`;
    assert.deepEqual(flagged(text), [`7:5 ${CODE}`]);
    // No base class, no fetch: only the binding says it is a Durable Object.
    const files = {
      'wrangler.toml': `name = "w"\nmain = "src/index.js"\n\n[[durable_objects.bindings]]\nname = "LEDGER"\nclass_name = "Ledger"\n`,
      'src/index.js': `let total = 0;\nexport class Ledger {\n  add(n) { this.n = n; total += n; }\n}\nexport default { fetch: () => new Response(String(total)) };\n`,
    };
    assert.deepEqual(sites(diagnoseWorker(files, 'src/index.js'), CODE), [`3:24 ${CODE}`]);
  });

  it('globals: globalThis.x, self.x and undeclared names; not a parameter named self, nor a binding of a service worker', () => {
    const text = `export default {
  async fetch(request) {
    globalThis.hits = 1;
    self.last = request.url;
    undeclared = 2;
    MY_KV.delete('k');
    return new Response('ok');
  },
};
function withSelf(self) { self.x = 1; }
export { withSelf };
`;
    assert.deepEqual(flagged(text, 'src/index.js'), [`3:5 ${CODE}`, `4:5 ${CODE}`, `5:5 ${CODE}`]);
  });

  it('a module-scope instance whose method changes `this`, and `this` in the exported handler object', () => {
    const text = `class Counter {
  n = 0;
  inc() { this.bump(); }
  private bump() { this.n++; }
  read() { return this.n; }
}
const counter = new Counter();
export default {
  hits: 0,
  fetch() {
    counter.inc();
    counter.read();
    this.hits++;
    return new Response(String(counter.read()));
  },
};
`;
    assert.deepEqual(flagged(text), [`11:5 ${CODE}`, `13:5 ${CODE}`]);
  });

  it('says what and why; lazily initialised values get their own message', () => {
    const text = `let count = 0;\nlet client: { id: number } | undefined;\nexport default {\n  fetch() {\n    count++;\n    client ??= { id: 1 };\n    return new Response(String(count + client.id));\n  },\n};\n`;
    const [plain, lazy] = diagnoseInMemory({ 'src/index.ts': text });
    assert.equal(plain!.severity, 'warning');
    assert.match(plain!.message, /^`count` is module-scope state, reassigned here while handling a request\. In production requests are spread over many instances with no affinity and an instance can be evicted at any time/);
    assert.match(lazy!.message, /^`client` is initialised lazily in module scope while handling a request: fine only if its value never depends on a request\. In production each instance builds its own/);
  });

  it('leaves a write that stores a request-scoped object to request-state-in-global', () => {
    const text = `let last: Request | undefined;\nexport default {\n  fetch(request: Request) {\n    last = request;\n    return new Response(last.url);\n  },\n};\n`;
    assert.deepEqual(
      diagnoseInMemory({ 'src/index.ts': text }).map((d) => d.code),
      ['request-state-in-global'],
    );
  });

  it('is silenced by worker-studio-ignore-next-line', () => {
    const text = `let count = 0;\nexport default {\n  fetch() {\n    // worker-studio-ignore-next-line mutable-global-state\n    count++;\n    return new Response(String(count));\n  },\n};\n`;
    assert.deepEqual(flagged(text), []);
  });

  describe('quick fix: Move `x` into the handler', () => {
    it('moves a binding used only in one handler into it', () => {
      const text = `const seen = new Set<string>();
let count = 0;

export default {
  fetch(request: Request) {
    seen.add(request.url);
    count++;
    return new Response(String(seen.size + count));
  },
};
`;
      const diagnostics = diagnoseInMemory({ 'src/index.ts': text });
      const first = diagnostics.find((d) => d.code === CODE)!;
      assert.equal(first.fixes?.[0]?.title, 'Move `seen` into the handler');
      const fixed = applyFirstFix(text, first);
      assert.equal(
        fixed,
        `let count = 0;

export default {
  fetch(request: Request) {
    const seen = new Set<string>();
    seen.add(request.url);
    count++;
    return new Response(String(seen.size + count));
  },
};
`,
      );
      assert.deepEqual(sites(diagnoseInMemory({ 'src/index.ts': fixed }), CODE), [`7:5 ${CODE}`], 'only count is left');
    });

    it('is not offered when the binding is used by two handlers, exported, or read at the top level', () => {
      const twoHandlers = `let n = 0;\nexport default {\n  fetch() { n++; return new Response(''); },\n  scheduled() { n++; },\n};\n`;
      const exported = `export let n = 0;\nexport default {\n  fetch() { n++; return new Response(''); },\n};\n`;
      const topLevel = `let n = 0;\nconsole.log(n);\nexport default {\n  fetch() { n++; return new Response(''); },\n};\n`;
      for (const text of [twoHandlers, exported, topLevel]) {
        const diagnostics = diagnoseInMemory({ 'src/index.ts': text }).filter((d) => d.code === CODE);
        assert.ok(diagnostics.length > 0, text);
        assert.ok(diagnostics.every((d) => !d.fixes), text);
      }
    });

    it('is not offered when a name the declaration uses means something else inside the handler', () => {
      const text = `const limit = 10;\nconst budget = { left: limit };\nexport default {\n  fetch() {\n    const limit = 5;\n    budget.left--;\n    return new Response(String(budget.left + limit));\n  },\n};\n`;
      const [d] = diagnoseInMemory({ 'src/index.ts': text }).filter((x) => x.code === CODE);
      assert.ok(d);
      assert.equal(d.fixes, undefined);
    });
  });
});
