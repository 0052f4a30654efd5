// The build side of "global state, caught at run time": which writes the analysis finds (scopes, not names), where it
// says they are, and that instrumented code behaves exactly as the original.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { after, test } from 'node:test';
import { INSTRUMENTED, instrumentFile, instrumentModule, type ProbeSite } from './globalStateProbe.ts';

/** The sites of `js`, one line each: `kind scope name[ target][ .method] @line:column[ declared N]`. */
function sites(js: string): string[] {
  const result = instrumentModule(js, { file: '/project/src/a.js', display: 'src/a.js', original: js });
  return (result?.sites ?? []).map(describe);
}

function describe(site: ProbeSite): string {
  const target = site.target && site.target !== site.name ? ` ${site.target}` : '';
  const method = site.method ? ` .${site.method}` : '';
  const declared = site.declared ? ` declared ${site.declared}` : '';
  return `${site.kind} ${site.scope} ${site.name}${target}${method} @${site.line}:${site.column}${declared}`;
}

test('shadowing: parameters, locals, catch bindings and block scopes that reuse a module name are not module state', () => {
  const js = `let count = 0;
const cache = new Map();
function a(count) { count++; }
function b() { let count = 1; count++; const cache = new Map(); cache.set(1, 2); }
function c() { try {} catch (count) { count = 1; } }
function d() { { let count = 0; count++; } count++; }
const e = () => { for (let count = 0; count < 2; count++) {} };
function f() { var cache = []; cache.push(1); }
export { a, b, c, d, e, f };
`;
  assert.deepEqual(sites(js), ['binding module count @6:44 declared 1']);
});

test('destructuring targets, for-in/of heads and compound assignment are writes; declarations in a function are not', () => {
  const js = `let a = 1, b = 2, rest;
const state = { x: 0 };
export function swap() { [a, b] = [b, a]; }
export function pick(o) { ({ a, ...rest } = o); }
export function defaults() { [a = 5] = []; }
export function member(o) { ({ x: state.x } = o); }
export function loop(xs) { for (a of xs); for (b in xs); }
export function compound() { a += 1; b ??= 3; }
export function locals(o) { const { a, b } = o; let [c] = [a]; c = b; return c; }
`;
  assert.deepEqual(sites(js), [
    'binding module a @3:27 declared 1',
    'binding module b @3:30 declared 1',
    'binding module a @4:30 declared 1',
    'binding module rest @4:36 declared 1',
    'binding module a @5:31 declared 1',
    'member module state state.x @6:30 declared 2',
    'binding module a @7:33 declared 1',
    'binding module b @7:48 declared 1',
    'binding module a @8:30 declared 1',
    'binding module b @8:38 declared 1',
  ]);
});

test('closures and arrow callbacks write module state; their own locals and non-mutating calls do not', () => {
  const js = `let total = 0;
const items = [];
export function sum(xs) {
  let local = 0;
  xs.forEach((x) => { total += x; local += x; });
  const add = function (y) { items.push(y); };
  add(1);
  return () => local++;
}
export const doubled = () => items.map((x) => x * 2);
`;
  assert.deepEqual(sites(js), ['binding module total @5:23 declared 1', 'method module items .push @6:30 declared 2']);
});

test('class fields: instance state is not module state; a module-level class and its statics are', () => {
  const js = `let nextId = 0;
export class Counter {
  static created = 0;
  id = nextId++;
  n = 0;
  inc() { this.n++; Counter.created++; }
  static reset() { this.created = 0; }
}
export class Local {
  m() { const Counter = { created: 0 }; Counter.created++; return Counter; }
}
`;
  assert.deepEqual(sites(js), ['binding module nextId @4:8 declared 1', 'member module Counter Counter.created @6:21 declared 2']);
});

test('export let, imports and top-level code: only writes inside functions are instrumented', () => {
  const js = `import { registry } from './registry.js';
export let hits = 0;
hits++;
for (let i = 0; i < 3; i++) hits += i;
registry.set('boot', 1);
export default { fetch() { hits++; return new Response(String(hits)); } };
export function reset() { hits = 0; registry.clear(); }
`;
  assert.deepEqual(sites(js), ['binding module hits @6:28 declared 2', 'binding module hits @7:27 declared 2', 'method module registry .clear @7:37 declared 1']);
});

test('globals: globalThis.x / self.x, undeclared names, computed names, delete; not calls of globals nor a local named self', () => {
  const js = `export function f(k) {
  globalThis.x = 1;
  self.y++;
  undeclared = 2;
  globalThis[k] = 3;
  delete globalThis.z;
  globalThis.registry.set(k, 1);
  self.addEventListener('x', () => {});
  globalThis.fetch('/');
  console.log(globalThis.x);
}
export function g(self) { self.x = 1; }
`;
  assert.deepEqual(sites(js), [
    'member global x globalThis.x @2:3',
    'member global y self.y @3:3',
    'binding global undeclared @4:3',
    'member global  globalThis[k] @5:3',
    'member global z globalThis.z @6:3',
    'method global registry globalThis.registry .set @7:3',
  ]);
});

test('mutating methods: the receiver is what gets wrapped; optional links inside it are left alone', () => {
  const js = `const cache = new Map();
const state = { items: [] };
export function f(k) {
  cache.set(k, 1);
  cache.get(k);
  cache?.delete(k);
  cache['clear']();
  state.items.push(k);
  state?.items.push(k);
  state.items.slice();
}
`;
  assert.deepEqual(sites(js), [
    'method module cache .set @4:3 declared 1',
    'method module cache .delete @6:3 declared 1',
    'method module cache .clear @7:3 declared 1',
    'method module state state.items .push @8:3 declared 2',
  ]);
  const code = instrumentModule(js, { file: '/p/a.js', display: 'a.js', original: js })?.code ?? '';
  assert.match(code, /__wsProbe\(0, cache\)\.set\(k, 1\);/);
  assert.match(code, /__wsProbe\(1, cache\)\?\.delete\(k\);/);
  assert.match(code, /__wsProbe\(3, state\.items\)\.push\(k\);/);
  assert.match(code, /\n {2}state\?\.items\.push\(k\);/);
});

test('member writes wrap the object, so the isolate sees globalThis under any name; with an optional link, the whole write', () => {
  const js = `const scope = globalThis;
const state = { items: {} };
export function f(k) {
  scope.lastPath = k;
  state.items[k] = 1;
  delete state?.items.x;
}
`;
  const result = instrumentModule(js, { file: '/p/a.js', display: 'a.js', original: js });
  assert.ok(result);
  assert.deepEqual(result.sites.map(describe), [
    'member module scope scope.lastPath @4:3 declared 1',
    'member module state state.items[k] @5:3 declared 2',
    'member module state state?.items.x @6:3 declared 2',
  ]);
  assert.deepEqual(result.sites.map((site) => site.property), ['lastPath', undefined, 'x']);
  assert.match(result.code, /\n {2}__wsProbe\(0, scope\)\.lastPath = k;/);
  assert.match(result.code, /\n {2}__wsProbe\(1, state\.items\)\[k\] = 1;/);
  assert.match(result.code, /\n {2}__wsProbe\(2, delete state\?\.items\.x\);/);
});

test('nothing to instrument, a file that is not a module, or one that shadows globalThis: left as it is', () => {
  assert.equal(instrumentModule('const x = 1;\nexport default { fetch() { return new Response(String(x)); } };\n', { file: '/p/a.js', display: 'a.js', original: '' }), undefined);
  assert.equal(instrumentModule('let n = 0;\nwith (Math) { n = PI; }\nfunction f() { n++; }\n', { file: '/p/a.js', display: 'a.js', original: '' }), undefined);
  assert.equal(instrumentModule('const globalThis = {};\nlet n = 0;\nexport function f() { n++; }\n', { file: '/p/a.js', display: 'a.js', original: '' }), undefined);
});

test('the probe name is one the file does not use', () => {
  const js = 'let __wsProbe = 1;\nexport function f() { __wsProbe++; }\n';
  const code = instrumentModule(js, { file: '/p/a.js', display: 'a.js', original: js })?.code ?? '';
  assert.match(code, /__wsProbe2\(0, __wsProbe\+\+\)/);
  assert.match(code, /\nfunction __wsProbe2\(i, v\)/);
});

test('instrumented code computes the same values, and each probe sees its site', () => {
  // No import/export, so it also runs as a script in a vm context. `let x = 1` without a semicolon: no ASI change.
  const js = `let count = 0;
const cache = new Map();
let a = 1, b = 2;
function run() {
  const out = [];
  let x = 1
  count++
  out.push(count, x)
  const inc = () => count++;
  out.push(inc());
  [a, b] = [b, a];
  out.push(a, b);
  out.push((count += 2, count));
  cache?.set('k', count);
  out.push(cache.get('k'));
  let missing;
  out.push(missing?.set(1));
  out.push(delete cache.k, a = b = 7, a, b);
  return out;
}
var out = run();
`;
  const instrumented = instrumentModule(js, { file: '/p/a.js', display: 'a.js', original: js });
  assert.ok(instrumented);
  const runIn = (code: string, registry: boolean) => {
    const context = vm.createContext({ seen: [] as string[] });
    if (registry) vm.runInContext(`globalThis[Symbol.for('worker-studio.probe')] = (table) => (i, v) => (seen.push(table.sites[i].name + ':' + table.sites[i].line), v);`, context);
    vm.runInContext(code, context);
    return { out: JSON.stringify(vm.runInContext('out', context)), seen: (context as { seen: string[] }).seen };
  };
  const original = runIn(js, false);
  const probed = runIn(instrumented.code, true);
  assert.equal(probed.out, original.out);
  assert.deepEqual(probed.seen.sort(), ['a:11', 'a:18', 'b:11', 'b:18', 'cache:14', 'cache:18', 'count:13', 'count:7', 'count:9']);
  // Without the registry (the bundle under workerd) the probe is the identity.
  assert.equal(runIn(instrumented.code, false).out, original.out);
});

const root = mkdtempSync(path.join(os.tmpdir(), 'ws-global-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('TypeScript: positions are the TypeScript source\'s, the map leads back to it, the file is named from the root', async () => {
  mkdirSync(path.join(root, 'src'));
  const file = path.join(root, 'src', 'index.ts');
  writeFileSync(
    file,
    `interface Env {
  NAME: string;
}

type Counter = { n: number };

let count: number = 0;
const counter: Counter = { n: 0 };

export default {
  fetch(request: Request, env: Env): Response {
    count++;
    (counter as Counter).n += 1;
    return new Response(env.NAME + count);
  },
};
`,
  );
  const result = await instrumentFile(file, root);
  assert.ok(result);
  assert.deepEqual(result.sites.map(describe), ['binding module count @12:5 declared 7', 'member module counter counter.n @13:6 declared 8']);
  assert.deepEqual(result.map.sources, ['index.ts']);
  assert.match(result.map.sourcesContent?.[0] ?? '', /^interface Env/);
  const { SourceMap } = await import('node:module');
  const map = new SourceMap(result.map);
  const lines = result.code.split('\n');
  const probeLine = lines.findIndex((line) => line.includes('(0, count++)'));
  const entry = map.findEntry(probeLine, lines[probeLine]!.indexOf('__wsProbe'));
  assert.ok('originalLine' in entry);
  assert.deepEqual([entry.originalLine + 1, entry.originalColumn + 1], [12, 5], 'the probe call maps to the statement it wraps');
});

test('the plugin filter: the worker\'s own scripts, never node_modules', () => {
  for (const file of ['/w/src/index.ts', '/w/src/a.mjs', '/w/lib/b.jsx', '/w/node_modules_x/c.js', '/w/node/d.tsx']) assert.ok(INSTRUMENTED.test(file), file);
  for (const file of ['/w/node_modules/hono/dist/index.js', '/w/src/node_modules/x/y.ts', '/w/src/data.json', '/w/src/a.cjs']) assert.ok(!INSTRUMENTED.test(file), file);
});
