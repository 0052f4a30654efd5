// Unit tests of the per-request analysis: which functions are handler roots, and what they reach.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { sourceTreeAssets } from '../typeCheck/assets.ts';
import { TypeCheckProject } from '../typeCheck/project.ts';
import { perRequestCode } from './perRequestCode.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = path.join(repoRoot, '.test-work', 'per-request-code');

/** For each file, the names of the functions declared with a name in it that may run per request. */
function perRequestFunctions(files: Record<string, string>): Record<string, string[]> {
  const documents = new Map(Object.entries(files).map(([name, text]) => [path.join(root, name), { text, version: 1 }]));
  for (const name of documents.keys()) mkdirSync(path.dirname(name), { recursive: true });
  const project = new TypeCheckProject({ root, assets: sourceTreeAssets(repoRoot), documents: { get: (f) => documents.get(f) } });
  for (const name of documents.keys()) project.include(name);
  const program = project.program();
  const code = perRequestCode(program, undefined);
  const result: Record<string, string[]> = {};
  for (const name of Object.keys(files)) {
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
      // A marker call `mark('name')` in a function body says which function this is.
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'mark' && ts.isStringLiteral(node.arguments[0]!)) {
        if (code.isPerRequest(node)) found.push(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(program.getSourceFile(path.join(root, name))!);
    result[name] = found;
  }
  return result;
}

const MARK = `declare function mark(name: string): void;\n`;

describe('per-request code', () => {
  it('handlers and what they call, reference or nest; not what only top-level code calls', () => {
    const text = `${MARK}
function helper() { mark('helper'); }
function callback() { mark('callback'); }
function initOnly() { mark('initOnly'); }
function unused() { mark('unused'); }
const table = { a() { mark('table.a'); }, b: () => mark('table.b') };
class Made { constructor() { mark('Made.constructor'); } field = mark('Made.field'); method() { mark('Made.method'); } }
initOnly();
export default {
  fetch(request: Request) {
    mark('fetch');
    helper();
    [1].forEach(callback);
    new Made();
    table[request.method as 'a']();
    const inner = () => mark('inner');
    return new Response(String(inner));
  },
};
`;
    assert.deepEqual(perRequestFunctions({ 'src/index.ts': text })['src/index.ts'], ['helper', 'callback', 'table.a', 'table.b', 'Made.constructor', 'Made.field', 'fetch', 'inner']);
  });

  it('service-worker listeners, router callbacks, entrypoint classes', () => {
    const sw = `${MARK}addEventListener('fetch', (event) => { mark('listener'); event.respondWith(new Response('')); });\n`;
    assert.deepEqual(perRequestFunctions({ 'worker.ts': sw })['worker.ts'], ['listener']);
    const hono = `${MARK}import { Hono } from 'hono';
const app = new Hono();
app.use('*', async (_c, next) => { mark('middleware'); await next(); });
app.get('/', (c) => { mark('route'); return c.text(''); });
[1, 2].map((n) => mark('top-level map ' + n));
export default app;
`;
    assert.deepEqual(perRequestFunctions({ 'src/index.ts': hono })['src/index.ts'], ['middleware', 'route']);
    const classes = `${MARK}import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject { rpc() { mark('Room.rpc'); } }
export class Legacy { fetch() { mark('Legacy.fetch'); return new Response(''); } other() { mark('Legacy.other'); } }
export default { fetch: () => new Response('') };
`;
    assert.deepEqual(perRequestFunctions({ 'src/index.ts': classes })['src/index.ts'], ['Room.rpc', 'Legacy.fetch', 'Legacy.other']);
  });

  it('follows imports into other files; a class with fetch in a module without a default export is not an entrypoint', () => {
    const files = {
      'src/index.ts': `import { used } from './lib.ts';\nexport default { fetch() { used(); return new Response(''); } };\n`,
      'src/lib.ts': `${MARK}export function used() { mark('used'); }\nexport function notUsed() { mark('notUsed'); }\nexport class ApiClient { fetch() { mark('ApiClient.fetch'); } }\n`,
    };
    assert.deepEqual(perRequestFunctions(files)['src/lib.ts'], ['used']);
  });
});
