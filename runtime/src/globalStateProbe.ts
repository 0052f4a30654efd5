/**
 * Global state, caught at run time (the build side): an esbuild plugin that instruments the user's own modules (not
 * node_modules) so the isolate can tell when a request changes state that outlives it. In production an isolate serves
 * many requests, two requests may land on different instances and an instance can be evicted at any time, so
 * module-level state a handler mutates is a bug; runtime/isolate/globalState.ts reports it as a warning.
 *
 * For each module: TypeScript/JSX → JS with esbuild (the file's own tsconfig applies, as in the real build), parse with
 * acorn, resolve scopes with eslint-scope, and find, inside functions,
 *  - writes to module-scope bindings (`count++`, `x = …`, `x += …`, destructuring targets, `for (x of …)`),
 *  - mutations of objects held by module-scope bindings (`cache.x = …`, `state.items[k]++`, `delete m[k]`) and calls of
 *    mutating methods on them (`cache.set(…)`, `list.push(…)`: the isolate checks the receiver is a Map, Set, Array, …),
 *  - writes to globals (`globalThis.x = …`, `self.x = …`, `x = …` with `x` undeclared, mutations of a global's object).
 * Scopes decide what is module scope: a parameter or local that shadows a module name is not.
 *
 * Each site becomes `__wsProbe(i, EXPR)` (the probe returns EXPR's value, so a call wraps any expression without
 * parentheses or ASI hazards: an identifier replaces an identifier at the start of a statement): the write itself for a
 * binding (`__wsProbe(i, count++)`), the object for a member (`__wsProbe(i, state.items)[k] = v`: the isolate sees
 * whether it is globalThis under another name), the receiver for a method call (`__wsProbe(i, cache).set(k, v)`, which
 * keeps `this`); each is still evaluated once. `__wsProbe` (a name
 * the file does not use) is a function declaration appended to the module, so it exists before any of the module's
 * code runs; on its first call it asks the isolate's registry (`globalThis[Symbol.for('worker-studio.probe')]`) for this
 * module's probe, handing it the site table (which binding, where it was declared, where the write is in the original
 * source). Without the registry (the same bundle under workerd, in the parity suite) the probe is an identity function.
 * The edit's source map is composed with the TypeScript one, so stack traces and breakpoints still land on the
 * original lines.
 */
import { readFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import * as acorn from 'acorn';
import * as eslintScope from 'eslint-scope';
import type * as ESTree from 'estree';
import MagicString from 'magic-string';
import remapping from '@jridgewell/remapping';
import * as esbuild from 'esbuild';

/** The registry's key in the isolate (runtime/isolate/globalState.ts). */
export const PROBE_REGISTRY = 'worker-studio.probe';

/** Mutating methods of Map, Set, WeakMap, WeakSet, Array, typed arrays, Headers, URLSearchParams, FormData. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(['set', 'delete', 'clear', 'add', 'append', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);

/** Unresolved names that are not globals of a worker (a CommonJS file's own module object). */
const NOT_GLOBALS = new Set(['module', 'exports', 'require']);

/**
 * One place where module or global state may change.
 * - `binding`: a module-scope binding is assigned (`name`).
 * - `member`: an object is changed through a member (`target` = the member expression's text), assignment or delete.
 * - `method`: a mutating method is called (`method`) on `target`; the isolate checks the receiver's type.
 * `scope` says whose: a module-scope binding `name` (declared on line `declared`), or the global `name` ('' when the
 * property is computed: `globalThis[key] = …`).
 */
export interface ProbeSite {
  kind: 'binding' | 'member' | 'method';
  scope: 'module' | 'global';
  name: string;
  target?: string;
  /** The member written (`member` sites; absent when computed): the global's name when the object is globalThis. */
  property?: string;
  method?: string;
  /** Line of the binding's declaration in the original source (1-based; module scope only). */
  declared?: number;
  /** Where the write is, in the original source (1-based line and column). */
  line: number;
  column: number;
}

/** A site found in the JS, with the range to wrap and the offsets to locate. */
interface FoundSite {
  kind: ProbeSite['kind'];
  scope: ProbeSite['scope'];
  name: string;
  target?: string;
  property?: string;
  method?: string;
  /** Offset of the declaring identifier (module scope). */
  declaredAt?: number;
  /** Offset of the write (reported position). */
  at: number;
  /** The expression wrapped in the probe call. */
  start: number;
  end: number;
}

type AnyNode = acorn.Node & { [key: string]: unknown };

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { start?: unknown }).start === 'number';
}

/** Every node's parent (acorn gives none). */
function parents(program: AnyNode): Map<AnyNode, AnyNode> {
  const map = new Map<AnyNode, AnyNode>();
  const stack: AnyNode[] = [program];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    for (const key in node) {
      if (key === 'loc' || key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) {
          if (isNode(item)) {
            map.set(item, node);
            stack.push(item);
          }
        }
      } else if (isNode(value)) {
        map.set(value, node);
        stack.push(value);
      }
    }
  }
  return map;
}

/** Whether code of `scope` runs inside a function (or a class field initializer) rather than at module load. */
function inFunction(scope: eslintScope.Scope | null): boolean {
  for (let s = scope; s; s = s.upper) {
    if (s.type === 'function' || s.type === 'class-field-initializer') return true;
    if (s.type === 'module' || s.type === 'global') return false;
  }
  return false;
}

/** A binding whose value lives as long as the module: module scope, or the inner name of a module-level class. */
function moduleHeld(variable: eslintScope.Variable): boolean {
  const scope = variable.scope;
  if (scope.type === 'module') return true;
  return scope.type === 'class' && scope.upper?.type === 'module' && variable.defs[0]?.type === 'ClassName';
}

/**
 * The expression that writes `node` when `node` is an assignment target (possibly inside a destructuring pattern):
 * the assignment, update or delete to wrap; for `for (x of xs)` the iterated expression. Undefined when not a target.
 */
function writeExpression(node: AnyNode, parentOf: Map<AnyNode, AnyNode>): AnyNode | undefined {
  let child = node;
  for (let parent = parentOf.get(child); parent; child = parent, parent = parentOf.get(child)) {
    switch (parent.type) {
      case 'AssignmentExpression':
        return parent.left === child ? parent : undefined;
      case 'UpdateExpression':
        return parent;
      case 'UnaryExpression':
        return parent.operator === 'delete' ? parent : undefined;
      case 'ChainExpression':
        // `delete a?.b`
        continue;
      case 'ForInStatement':
      case 'ForOfStatement':
        return parent.left === child ? (parent.right as AnyNode) : undefined;
      case 'ArrayPattern':
      case 'ObjectPattern':
      case 'RestElement':
        continue;
      case 'AssignmentPattern':
        if (parent.left === child) continue;
        return undefined;
      case 'Property':
        // In an object pattern, the property's value is the target.
        if (parent.value === child && parentOf.get(parent)?.type === 'ObjectPattern') continue;
        return undefined;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** `obj.name` or `obj["name"]`: the property's name; undefined when computed from an expression. */
function propertyName(member: AnyNode): string | undefined {
  const property = member.property as AnyNode;
  if (!member.computed && property.type === 'Identifier') return property.name as string;
  if (member.computed && property.type === 'Literal' && typeof property.value === 'string') return property.value;
  return undefined;
}

/** Whether a chain of members has an optional link (`a?.b`): wrapping part of it would stop the short-circuit. */
function optionalLink(node: AnyNode): boolean {
  for (let link = node; link.type === 'MemberExpression'; link = link.object as AnyNode) if (link.optional) return true;
  return false;
}

/** The member expressions' text, on one line and short enough for a log message. */
function excerpt(js: string, node: AnyNode): string {
  const text = js.slice(node.start, node.end).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The sites in `js` (an ES module). Throws when it does not parse as a module.
 */
export function findSites(js: string): { sites: FoundSite[]; shadowsProbeGlobals: boolean } {
  const program = acorn.parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true, ranges: true }) as unknown as AnyNode;
  const manager = eslintScope.analyze(program as unknown as ESTree.Program, { ecmaVersion: 2022, sourceType: 'module' });
  const parentOf = parents(program);
  const moduleScope = manager.scopes.find((scope) => scope.type === 'module');
  const shadowsProbeGlobals = !!moduleScope && (moduleScope.set.has('globalThis') || moduleScope.set.has('Symbol'));
  const sites: FoundSite[] = [];

  /** Member writes and mutating calls whose chain of members starts at the identifier `root`. */
  const memberSites = (root: AnyNode, scope: 'module' | 'global', name: string, declaredAt: number | undefined, globalObject: boolean) => {
    let top = root;
    for (let parent = parentOf.get(top); parent?.type === 'MemberExpression' && parent.object === top; parent = parentOf.get(top)) top = parent;
    if (top === root) return;
    // `globalThis.x…`: the global is the first property.
    let owner = name;
    if (globalObject) {
      const first = parentOf.get(root) as AnyNode;
      owner = propertyName(first) ?? '';
      // `globalThis.fetch(…)`, `self.addEventListener(…)`: a call of a global, not a change.
      if (first === top && parentOf.get(top)?.type === 'CallExpression') return;
    }
    const written = writeExpression(top, parentOf);
    if (written) {
      // The object is wrapped (`__wsProbe(i, state.items)[k] = v`), so the isolate sees it: a module binding that holds
      // globalThis is a global write. With an optional link in it (`delete a?.b.c`) the whole expression is, instead.
      const object = top.object as AnyNode;
      const wrapped = optionalLink(object) ? written : object;
      const property = propertyName(top);
      sites.push({ kind: 'member', scope, name: owner, target: excerpt(js, top), ...(property === undefined ? {} : { property }), ...(declaredAt === undefined ? {} : { declaredAt }), at: written.start, start: wrapped.start, end: wrapped.end });
      return;
    }
    const call = parentOf.get(top);
    if (call?.type !== 'CallExpression' || call.callee !== top) return;
    const method = propertyName(top);
    if (!method || !MUTATING_METHODS.has(method)) return;
    const receiver = top.object as AnyNode;
    if (globalObject && receiver === root) return;
    // An optional link inside the receiver (`a?.b.push()`) would no longer short-circuit the call once wrapped.
    if (optionalLink(receiver)) return;
    sites.push({ kind: 'method', scope, name: owner, target: excerpt(js, receiver), method, ...(declaredAt === undefined ? {} : { declaredAt }), at: call.start, start: receiver.start, end: receiver.end });
  };

  for (const scope of manager.scopes) {
    if (!inFunction(scope)) continue;
    for (const reference of scope.references) {
      const identifier = reference.identifier as unknown as AnyNode;
      const variable = reference.resolved;
      if (variable) {
        if (!moduleHeld(variable)) continue;
        const declaredAt = (variable.defs[0]?.name as unknown as AnyNode | undefined)?.start;
        if (reference.isWrite() && !reference.init && variable.scope.type === 'module') {
          const written = writeExpression(identifier, parentOf);
          if (written) sites.push({ kind: 'binding', scope: 'module', name: variable.name, ...(declaredAt === undefined ? {} : { declaredAt }), at: identifier.start, start: written.start, end: written.end });
        }
        if (reference.isRead()) memberSites(identifier, 'module', variable.name, declaredAt, false);
        continue;
      }
      const name = identifier.name as string;
      if (NOT_GLOBALS.has(name)) continue;
      if (reference.isWrite()) {
        const written = writeExpression(identifier, parentOf);
        if (written) sites.push({ kind: 'binding', scope: 'global', name, at: identifier.start, start: written.start, end: written.end });
      }
      if (reference.isRead()) memberSites(identifier, 'global', name, undefined, name === 'globalThis' || name === 'self');
    }
  }
  // `[a = 1] = …` makes two write references to `a`: one site.
  const unique = new Map<string, FoundSite>();
  for (const site of sites) unique.set(`${site.kind} ${site.name} ${site.at} ${site.start} ${site.end}`, site);
  return { sites: [...unique.values()], shadowsProbeGlobals };
}

/** Offsets → 1-based line and 0-based column. */
function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) };
  };
}

/** A name for the probe that `text` does not contain. */
function probeName(text: string): string {
  let name = '__wsProbe';
  for (let n = 2; text.includes(name); n++) name = `__wsProbe${n}`;
  return name;
}

export interface Instrumented {
  code: string;
  /** Maps `code` to the original source. */
  map: SourceMapPayload;
  sites: ProbeSite[];
}

export interface InstrumentOptions {
  /** Absolute path of the original file (where a warning points). */
  file: string;
  /** The file as messages name it: relative to the project root. */
  display: string;
  /** The original text (TypeScript, or `js` itself). */
  original: string;
  /** The source map from `js` to `original` when `js` was compiled from it. */
  map?: SourceMapPayload;
}

/**
 * Instruments one module. Undefined when there is nothing to instrument (or it cannot be analysed: the real build then
 * reports any syntax error itself).
 */
export function instrumentModule(js: string, options: InstrumentOptions): Instrumented | undefined {
  let found: ReturnType<typeof findSites>;
  try {
    found = findSites(js);
  } catch {
    return undefined;
  }
  if (found.sites.length === 0 || found.shadowsProbeGlobals) return undefined;
  const locate = lineIndex(js);
  const inner = options.map ? new SourceMap(options.map) : undefined;
  /** 1-based line and column in the original source. */
  const original = (offset: number): { line: number; column: number } => {
    const { line, column } = locate(offset);
    if (!inner) return { line, column: column + 1 };
    const entry = inner.findEntry(line - 1, column);
    if (!('originalLine' in entry)) return { line, column: column + 1 };
    return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  };
  const sites: ProbeSite[] = found.sites.map((site) => {
    const { line, column } = original(site.at);
    return {
      kind: site.kind,
      scope: site.scope,
      name: site.name,
      ...(site.target !== undefined ? { target: site.target } : {}),
      ...(site.property !== undefined ? { property: site.property } : {}),
      ...(site.method !== undefined ? { method: site.method } : {}),
      ...(site.declaredAt !== undefined ? { declared: original(site.declaredAt).line } : {}),
      line,
      column,
    };
  });

  const probe = probeName(js);
  const s = new MagicString(js);
  // Wraps that start at one offset nest: the widest outside.
  const byStart = new Map<number, { id: number; end: number }[]>();
  found.sites.forEach((site, id) => {
    const list = byStart.get(site.start) ?? [];
    list.push({ id, end: site.end });
    byStart.set(site.start, list);
  });
  for (const [start, wraps] of byStart) {
    wraps.sort((a, b) => b.end - a.end);
    // An edit (not an insertion) so the probe call maps to the wrapped expression's position: a breakpoint on the line
    // binds at the statement's start.
    s.update(start, start + 1, wraps.map((w) => `${probe}(${w.id}, `).join('') + js[start]);
    for (const wrap of wraps) s.appendLeft(wrap.end, ')');
  }
  const table = { file: options.file, display: options.display, sites };
  s.append(
    `\nfunction ${probe}(i, v) { return (${probe}.f || (${probe}.f = (globalThis[Symbol.for(${JSON.stringify(PROBE_REGISTRY)})] || (() => (i, v) => v))(${JSON.stringify(table)})))(i, v); }\n`,
  );
  const code = s.toString();
  const base = path.basename(options.file);
  let map: SourceMapPayload;
  if (!options.map) {
    map = JSON.parse(s.generateMap({ hires: true, source: base, includeContent: false }).toString()) as SourceMapPayload;
    map.sourcesContent = [options.original];
  } else {
    // Edited JS → compiled JS → original: the compiled JS is a virtual file beside the original.
    const compiled = `${base}.compiled.js`;
    const edit = JSON.parse(s.generateMap({ hires: true, source: compiled, includeContent: false }).toString()) as SourceMapPayload;
    const innerMap = options.map;
    map = JSON.parse(JSON.stringify(remapping(edit as never, (file) => (path.basename(file) === compiled ? (innerMap as never) : null)))) as SourceMapPayload;
  }
  return { code, map, sites };
}

const COMPILED = /\.(?:ts|mts|tsx|jsx)$/;
const EXTENSIONS = '\\.(?:js|mjs|ts|mts|tsx|jsx)$';

/** A regular expression source (RE2, no lookahead: esbuild's filters are Go regexps) for a path segment other than `word`. */
function segmentOtherThan(word: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alternatives = [`${escape(word)}[^/]+`];
  for (let i = 0; i < word.length; i++) {
    const prefix = escape(word.slice(0, i));
    alternatives.push(`${prefix}[^/${escape(word[i] as string)}][^/]*`);
    if (i > 0) alternatives.push(prefix);
  }
  return `(?:${alternatives.join('|')})`;
}

/**
 * Which files the plugin sees: scripts in no node_modules folder, by a filter esbuild applies itself (a plugin callback
 * for each dependency file would cost a round trip to the plugin each).
 */
export const INSTRUMENTED = new RegExp(`^/(?:${segmentOtherThan('node_modules')}/)*[^/]*${EXTENSIONS}`);

/** Compiles a TypeScript/JSX file to JS the way the build would (its tsconfig), with a source map; undefined on error. */
async function compile(file: string, root: string): Promise<{ js: string; map: SourceMapPayload } | undefined> {
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: root,
      outfile: `${file}.compiled.js`,
      bundle: false,
      write: false,
      target: 'esnext',
      platform: 'neutral',
      charset: 'utf8',
      sourcemap: 'external',
      logLevel: 'silent',
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
    if (!js || !map) return undefined;
    return { js: js.text, map: JSON.parse(map.text) as SourceMapPayload };
  } catch {
    return undefined;
  }
}

/** Instruments the file at `file` (read from disk); undefined when it needs nothing (or cannot be analysed). */
export async function instrumentFile(file: string, root: string): Promise<Instrumented | undefined> {
  const source = await readFile(file, 'utf8');
  const display = path.relative(root, file).split(path.sep).join('/');
  if (!COMPILED.test(file)) {
    // A file with a source map of its own would need it composed too: left as it is.
    if (/\/\/[#@] sourceMappingURL=/.test(source)) return undefined;
    return instrumentModule(source, { file, display, original: source });
  }
  const compiled = await compile(file, root);
  if (!compiled) return undefined;
  return instrumentModule(compiled.js, { file, display, original: source, map: compiled.map });
}

/** The esbuild plugin: instruments the worker's own modules (never node_modules). */
export function globalStateProbe(): esbuild.Plugin {
  return {
    name: 'worker-studio-global-state',
    setup(build) {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onLoad({ filter: INSTRUMENTED, namespace: 'file' }, async (args) => {
        if (args.path.split(/[\\/]/).includes('node_modules')) return undefined;
        const result = await instrumentFile(args.path, root);
        if (!result) return undefined;
        const inline = Buffer.from(JSON.stringify(result.map)).toString('base64');
        return { contents: `${result.code}//# sourceMappingURL=data:application/json;base64,${inline}\n`, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}
