// Unit tests of request-state-in-global on in-memory workers: which stored values are request-scoped (by type, and by
// being a handler's parameter in JavaScript) and the message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseInMemory, sites } from './inMemoryWorker.ts';

const CODE = 'request-state-in-global';

function flagged(text: string, file = 'src/index.ts'): string[] {
  return sites(diagnoseInMemory({ [file]: text }), CODE, 'mutable-global-state');
}

describe('request-state-in-global', () => {
  it('flags the cached response promise, as an error that says what is stored where and why', () => {
    const text = `let pending: Promise<Response> | undefined;\nexport default {\n  async fetch() {\n    pending ??= fetch('https://example.com');\n    return (await pending).clone();\n  },\n};\n`;
    const [d, ...rest] = diagnoseInMemory({ 'src/index.ts': text });
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(d!.code, CODE);
    assert.equal(d!.severity, 'error');
    assert.deepEqual(d!.start, { line: 3, character: 4 });
    assert.match(d!.message, /^A Promise<Response> is stored in module-scope `pending` while handling a request\. In production it must not outlive its request/);
  });

  it('Request, Response, body stream, env and ctx, by type; inside objects and Map entries too', () => {
    const text = `let req: Request | undefined;
let body: ReadableStream | null = null;
let savedEnv: Env | undefined;
let savedCtx: ExecutionContext | undefined;
const responses = new Map<string, Response>();
const entries: Record<string, { response: Response }> = {};
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    req = request;
    body = request.body;
    savedEnv = env;
    savedCtx = ctx;
    const response = await fetch(request);
    responses.set(request.url, response);
    entries[request.url] = { response };
    return response;
  },
};
`;
    assert.deepEqual(flagged(text), [9, 10, 11, 12, 14, 15].map((line) => `${line}:5 ${CODE}`));
  });

  it('in JavaScript, a handler parameter of unknown type counts; an RPC method argument does not', () => {
    const text = `let last;
let total = 0;
export class Ledger {
  constructor(state) { this.state = state; }
  async add(amount) { total += amount; last = amount; }
  async fetch(request) { last = request; return new Response('ok'); }
}
export default {
  async fetch(request, env, ctx) {
    last = ctx;
    globalThis.current = request;
    return new Response(String(total));
  },
};
`;
    assert.deepEqual(flagged(text, 'src/index.js'), [
      '5:23 mutable-global-state',
      '5:40 mutable-global-state',
      `6:26 ${CODE}`,
      `10:5 ${CODE}`,
      `11:5 ${CODE}`,
    ]);
  });

  it('storing what was read from a request is ordinary global state, not this error', () => {
    const text = `const bodies = new Map<string, string>();\nlet lastUrl = '';\nexport default {\n  async fetch(request: Request) {\n    lastUrl = request.url;\n    bodies.set(lastUrl, await (await fetch(request)).text());\n    return new Response(lastUrl);\n  },\n};\n`;
    assert.deepEqual(flagged(text), ['5:5 mutable-global-state', '6:5 mutable-global-state']);
  });

  it('says nothing at load time or for per-request locals', () => {
    const text = `const warm = fetch('https://example.com/warm');\nexport default {\n  async fetch(request: Request) {\n    let last = request;\n    const map = new Map<string, Request>();\n    map.set('r', last);\n    return new Response(String(map.size) + (await warm).status);\n  },\n};\n`;
    assert.deepEqual(flagged(text), []);
  });
});
