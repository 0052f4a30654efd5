// For bench/languageServer.ts: the worker projects both language servers are measured on, written to a temporary
// folder whose node_modules links to this repository's (hono, @cloudflare/workers-types), so typescript-language-server
// resolves the same types Worker Studio bundles.
//   realistic: a Hono app over D1 and KV in seven modules (~400 lines), one deliberate type error in the entry.
//   large:     one 3,000-line module worker (72 resources, each an interface, a validator, CRUD handlers), with a
//              marker line in the middle that the edit loop turns into a type error and back.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../test/repo.ts';

export interface BenchProject {
  root: string;
  entry: string;
  /** 0-based line of the type error (realistic) or of the marker line (large). */
  line: number;
  text: string;
}

const TSCONFIG = JSON.stringify(
  { compilerOptions: { target: 'es2022', module: 'es2022', moduleResolution: 'bundler', lib: ['es2022'], types: ['@cloudflare/workers-types'], strict: true, noEmit: true }, include: ['src'] },
  null,
  2,
);

function writeProject(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-lsp-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

const WRANGLER = `name = "bench"
main = "src/index.ts"
compatibility_date = "2026-10-01"

[vars]
SERVICE_NAME = "bench"

[[kv_namespaces]]
binding = "CACHE"
id = "0123456789abcdef0123456789abcdef"

[[d1_databases]]
binding = "DB"
database_name = "bench"
database_id = "00000000-0000-0000-0000-000000000000"
`;

const TYPES = `export type Bindings = {
  SERVICE_NAME: string;
  CACHE: KVNamespace;
  DB: D1Database;
};

export interface User {
  id: number;
  email: string;
  name: string;
  createdAt: string;
}

export interface Item {
  id: number;
  ownerId: number;
  title: string;
  price: number;
  tags: string[];
}

export type Variables = { userId: number };
export type AppEnv = { Bindings: Bindings; Variables: Variables };
`;

const JSON_HELPERS = `export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new HttpError(400, \`\${field} must be a non-empty string\`);
  return value.trim();
}

export function requireNumber(value: unknown, field: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new HttpError(400, \`\${field} must be a number\`);
  return n;
}

export function page(url: string): { limit: number; offset: number } {
  const params = new URL(url).searchParams;
  const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 20)));
  const offset = Math.max(0, Number(params.get('offset') ?? 0));
  return { limit, offset };
}
`;

const AUTH = `import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';
import { HttpError } from '../lib/json';

const encoder = new TextEncoder();

async function verify(token: string, secret: string): Promise<number> {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) throw new HttpError(401, 'malformed token');
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const bytes = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
  const ok = await crypto.subtle.verify('HMAC', key, bytes, encoder.encode(payload));
  if (!ok) throw new HttpError(401, 'bad signature');
  const { sub, exp } = JSON.parse(atob(payload)) as { sub: number; exp: number };
  if (exp * 1000 < Date.now()) throw new HttpError(401, 'expired');
  return sub;
}

export const auth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  try {
    c.set('userId', await verify(token, c.env.SERVICE_NAME));
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 401;
    return c.json({ error: err instanceof Error ? err.message : 'unauthorized' }, status as 401);
  }
  await next();
};
`;

const USERS = `import { Hono } from 'hono';
import type { AppEnv, User } from '../types';
import { HttpError, page, requireString } from '../lib/json';

export const users = new Hono<AppEnv>();

users.get('/', async (c) => {
  const { limit, offset } = page(c.req.url);
  const { results } = await c.env.DB.prepare('SELECT id, email, name, created_at AS createdAt FROM users LIMIT ? OFFSET ?').bind(limit, offset).all<User>();
  return c.json({ users: results, limit, offset });
});

users.get('/:id', async (c) => {
  const id = Number(c.req.param('id'));
  const cached = await c.env.CACHE.get(\`user:\${id}\`, 'json');
  if (cached) return c.json(cached as User);
  const user = await c.env.DB.prepare('SELECT id, email, name, created_at AS createdAt FROM users WHERE id = ?').bind(id).first<User>();
  if (!user) return c.json({ error: 'not found' }, 404);
  c.executionCtx.waitUntil(c.env.CACHE.put(\`user:\${id}\`, JSON.stringify(user), { expirationTtl: 60 }));
  return c.json(user);
});

users.post('/', async (c) => {
  const body = await c.req.json<Record<string, unknown>>();
  try {
    const email = requireString(body.email, 'email');
    const name = requireString(body.name, 'name');
    const row = await c.env.DB.prepare('INSERT INTO users (email, name) VALUES (?, ?) RETURNING id').bind(email, name).first<{ id: number }>();
    return c.json({ id: row?.id, email, name }, 201);
  } catch (err) {
    if (err instanceof HttpError) return c.json({ error: err.message }, 400);
    throw err;
  }
});

users.delete('/:id', async (c) => {
  const id = Number(c.req.param('id'));
  if (c.get('userId') !== id) return c.json({ error: 'forbidden' }, 403);
  await c.env.DB.prepare('DELETE FROM users WHERE id = ?').bind(id).run();
  c.executionCtx.waitUntil(c.env.CACHE.delete(\`user:\${id}\`));
  return c.body(null, 204);
});
`;

const ITEMS = `import { Hono } from 'hono';
import type { AppEnv, Item } from '../types';
import { HttpError, page, requireNumber, requireString } from '../lib/json';
import { search } from '../lib/search';

export const items = new Hono<AppEnv>();

function toItem(row: Record<string, unknown>): Item {
  return {
    id: Number(row.id),
    ownerId: Number(row.owner_id),
    title: String(row.title),
    price: Number(row.price),
    tags: String(row.tags ?? '').split(',').filter(Boolean),
  };
}

items.get('/', async (c) => {
  const { limit, offset } = page(c.req.url);
  const q = c.req.query('q');
  const { results } = await c.env.DB.prepare('SELECT * FROM items ORDER BY id LIMIT ? OFFSET ?').bind(limit, offset).all();
  const list = results.map(toItem);
  return c.json({ items: q ? search(list, q) : list });
});

items.post('/', async (c) => {
  const body = await c.req.json<Record<string, unknown>>();
  try {
    const title = requireString(body.title, 'title');
    const price = requireNumber(body.price, 'price');
    const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
    const row = await c.env.DB.prepare('INSERT INTO items (owner_id, title, price, tags) VALUES (?, ?, ?, ?) RETURNING *')
      .bind(c.get('userId'), title, price, tags.join(','))
      .first();
    return c.json(toItem(row ?? {}), 201);
  } catch (err) {
    if (err instanceof HttpError) return c.json({ error: err.message }, 400);
    throw err;
  }
});

items.get('/:id/price', async (c) => {
  const id = Number(c.req.param('id'));
  const key = \`price:\${id}\`;
  const hit = await c.env.CACHE.get(key);
  if (hit !== null) return c.json({ id, price: Number(hit), cached: true });
  const row = await c.env.DB.prepare('SELECT price FROM items WHERE id = ?').bind(id).first<{ price: number }>();
  if (!row) return c.json({ error: 'not found' }, 404);
  c.executionCtx.waitUntil(c.env.CACHE.put(key, String(row.price), { expirationTtl: 300 }));
  return c.json({ id, price: row.price, cached: false });
});
`;

const SEARCH = `import type { Item } from '../types';

/** Ranks items by how many query words their title and tags contain. */
export function search(items: Item[], query: string): Item[] {
  const words = query.toLowerCase().split(/\\s+/).filter(Boolean);
  return items
    .map((item) => {
      const haystack = [item.title, ...item.tags].join(' ').toLowerCase();
      const score = words.reduce((n, word) => n + (haystack.includes(word) ? 1 : 0), 0);
      return { item, score };
    })
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.item.id - b.item.id)
    .map((r) => r.item);
}
`;

const ENTRY = `import { Hono } from 'hono';
import { auth } from './middleware/auth';
import { items } from './routes/items';
import { users } from './routes/users';
import type { AppEnv } from './types';
import { HttpError } from './lib/json';

const app = new Hono<AppEnv>();

app.onError((err, c) => {
  const status = err instanceof HttpError ? err.status : 500;
  return c.json({ error: err.message }, status as 500);
});

app.get('/', (c) => c.text(\`\${c.env.SERVICE_NAME} is up\`));
app.use('/api/*', auth);
app.route('/api/users', users);
app.route('/api/items', items);

const retries: number = 'three';

app.get('/health', (c) => c.json({ ok: true, retries }));

export default app;
`;

export function realisticProject(): BenchProject {
  const root = writeProject({
    'wrangler.toml': WRANGLER,
    'tsconfig.json': TSCONFIG,
    'src/types.ts': TYPES,
    'src/lib/json.ts': JSON_HELPERS,
    'src/lib/search.ts': SEARCH,
    'src/middleware/auth.ts': AUTH,
    'src/routes/users.ts': USERS,
    'src/routes/items.ts': ITEMS,
    'src/index.ts': ENTRY,
  });
  return { root, entry: path.join(root, 'src/index.ts'), line: ENTRY.split('\n').findIndex((l) => l.includes("'three'")), text: ENTRY };
}

/** The marker line the edit loop toggles: `= 0` is fine, `= 'x'` is a ts2322. */
export const MARKER = '  const marker: number = 0;';

function resource(i: number): string {
  const name = `Resource${i}`;
  const table = `resource_${i}`;
  return `
export interface ${name} {
  id: number;
  title: string;
  quantity: number;
  tags: string[];
  updatedAt: string;
}

function parse${name}(value: unknown): ${name} {
  if (typeof value !== 'object' || value === null) throw new Error('${name}: not an object');
  const v = value as Record<string, unknown>;
  const title = typeof v.title === 'string' ? v.title : '';
  const quantity = typeof v.quantity === 'number' ? v.quantity : Number(v.quantity ?? 0);
  const tags = Array.isArray(v.tags) ? v.tags.map(String) : [];
  return { id: Number(v.id ?? 0), title, quantity, tags, updatedAt: new Date().toISOString() };
}

async function list${name}(env: Env, url: URL): Promise<Response> {
  const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
  const { results } = await env.DB.prepare('SELECT * FROM ${table} LIMIT ?').bind(limit).all<${name}>();
  return Response.json(results.map((row) => ({ ...row, tags: row.tags ?? [] })));
}

async function get${name}(env: Env, id: number, ctx: ExecutionContext): Promise<Response> {
  const cached = await env.CACHE.get<${name}>('${table}:' + id, 'json');
  if (cached) return Response.json(cached);
  const row = await env.DB.prepare('SELECT * FROM ${table} WHERE id = ?').bind(id).first<${name}>();
  if (!row) return new Response('not found', { status: 404 });
  ctx.waitUntil(env.CACHE.put('${table}:' + id, JSON.stringify(row), { expirationTtl: 60 }));
  return Response.json(row);
}

async function put${name}(env: Env, request: Request): Promise<Response> {
  const item = parse${name}(await request.json());
  await env.DB.prepare('INSERT OR REPLACE INTO ${table} (id, title, quantity) VALUES (?, ?, ?)').bind(item.id, item.title, item.quantity).run();
  return Response.json(item, { status: 201 });
}
`;
}

export function largeProject(): BenchProject {
  const count = 72;
  const parts = [
    'interface Env {\n  DB: D1Database;\n  CACHE: KVNamespace;\n  SERVICE_NAME: string;\n}\n',
    ...Array.from({ length: count / 2 }, (_, i) => resource(i)),
    `\nfunction describe(): string {\n${MARKER}\n  return 'bench ' + marker;\n}\n`,
    ...Array.from({ length: count / 2 }, (_, i) => resource(count / 2 + i)),
    '\nasync function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {',
    '  const url = new URL(request.url);',
    "  const [, kind, id] = url.pathname.split('/');",
    '  switch (kind) {',
    ...Array.from({ length: count }, (_, i) =>
      [
        `    case 'resource-${i}':`,
        `      if (request.method === 'PUT') return putResource${i}(env, request);`,
        `      return id ? getResource${i}(env, Number(id), ctx) : listResource${i}(env, url);`,
      ].join('\n'),
    ),
    "    case 'about':",
    '      return new Response(describe());',
    '    default:',
    "      return new Response('not found', { status: 404 });",
    '  }',
    '}',
    '',
    'export default {',
    '  fetch: (request, env, ctx) => route(request, env, ctx),',
    '} satisfies ExportedHandler<Env>;',
    '',
  ];
  const text = parts.join('\n');
  const root = writeProject({ 'wrangler.toml': WRANGLER, 'tsconfig.json': TSCONFIG, 'src/index.ts': text });
  return { root, entry: path.join(root, 'src/index.ts'), line: text.split('\n').indexOf(MARKER), text };
}
