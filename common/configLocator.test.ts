// Unit tests of the config locator: key paths → where they are written, for TOML and JSONC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { configLocator, unquoted, type KeyPath } from './configLocator.ts';

/** The text a path's key (or value) span covers. */
function at(text: string, format: 'toml' | 'json', path: KeyPath, part: 'key' | 'value' = 'key'): string | undefined {
  const location = configLocator(text, format).locate(path);
  const span = part === 'key' ? location?.key : location?.value;
  return span && text.slice(span.start, span.end);
}

describe('configLocator (TOML)', () => {
  const toml = `# comment with [brackets] and = signs
name = "w" # trailing
"quoted key" = 'literal'
multi = """
a [not] table
b = "no key" """
dotted.inner . leaf = 1
when = 1979-05-27 07:32:00Z

[vars]
GREETING = "hello"
JSON = { a = [1, { b = "c" }], "d e" = true }

[[kv_namespaces]]
binding = "FIRST"

[[kv_namespaces]] # second
binding = 'SECOND'
id = "x"
d1_databases = "not top level: inside kv_namespaces[1]"

[kv_namespaces.extra]
z = 1

[durable_objects]
bindings = [
  { name = "A", class_name = "A" }, # comment inside an array
  { name = "B", class_name = "B" },
]

[env.staging]
vars = { GREETING = "hi" }

[[env.staging.kv_namespaces]]
binding = "STAGING"

[[env."prod.eu".queues.producers]]
binding = "Q"
`;

  it('parses (the locator only ever runs on text the parser accepted)', () => {
    assert.doesNotThrow(() => parse(toml));
  });

  it('finds keys and values: plain, quoted, dotted, after multi-line strings, dates with spaces', () => {
    assert.equal(at(toml, 'toml', ['name']), 'name');
    assert.equal(at(toml, 'toml', ['name'], 'value'), '"w"');
    assert.equal(at(toml, 'toml', ['quoted key']), '"quoted key"');
    assert.equal(at(toml, 'toml', ['quoted key'], 'value'), "'literal'");
    assert.equal(at(toml, 'toml', ['multi'], 'value'), '"""\na [not] table\nb = "no key" """');
    assert.equal(at(toml, 'toml', ['dotted', 'inner', 'leaf']), 'leaf');
    assert.equal(at(toml, 'toml', ['dotted']), 'dotted');
    assert.equal(at(toml, 'toml', ['when'], 'value'), '1979-05-27 07:32:00Z');
    assert.equal(at(toml, 'toml', ['b']), undefined, 'nothing inside a string is a key');
  });

  it('tables, inline tables and arrays, numbered as the parser numbers them', () => {
    assert.equal(at(toml, 'toml', ['vars']), 'vars');
    assert.equal(at(toml, 'toml', ['vars', 'GREETING'], 'value'), '"hello"');
    assert.equal(at(toml, 'toml', ['vars', 'JSON', 'a', 1, 'b'], 'value'), '"c"');
    assert.equal(at(toml, 'toml', ['vars', 'JSON', 'd e']), '"d e"');
    assert.equal(at(toml, 'toml', ['kv_namespaces', 0, 'binding'], 'value'), '"FIRST"');
    assert.equal(at(toml, 'toml', ['kv_namespaces', 1, 'binding'], 'value'), "'SECOND'");
    assert.equal(at(toml, 'toml', ['kv_namespaces', 1]), '[[kv_namespaces]]');
    assert.equal(at(toml, 'toml', ['kv_namespaces', 1, 'extra', 'z']), 'z');
    assert.equal(at(toml, 'toml', ['kv_namespaces', 1, 'd1_databases']), 'd1_databases');
    assert.equal(at(toml, 'toml', ['d1_databases']), undefined);
    assert.equal(at(toml, 'toml', ['durable_objects', 'bindings', 1, 'name'], 'value'), '"B"');
    assert.equal(at(toml, 'toml', ['durable_objects', 'bindings', 0], 'value'), '{ name = "A", class_name = "A" }');
  });

  it('environments: inline and header forms, quoted environment names', () => {
    assert.equal(at(toml, 'toml', ['env', 'staging', 'vars', 'GREETING'], 'value'), '"hi"');
    assert.equal(at(toml, 'toml', ['env', 'staging', 'kv_namespaces', 0, 'binding'], 'value'), '"STAGING"');
    assert.equal(at(toml, 'toml', ['env', 'prod.eu', 'queues', 'producers', 0, 'binding'], 'value'), '"Q"');
  });

  it('unquoted() narrows a simple string to its content', () => {
    const location = configLocator(toml, 'toml').locate(['kv_namespaces', 0, 'binding'])!;
    const span = unquoted(toml, location.value!);
    assert.equal(toml.slice(span.start, span.end), 'FIRST');
  });
});

describe('configLocator (JSONC)', () => {
  const jsonc = `{
  // comments
  "name": "w",
  "vars": { "A": 1, "B": { "c": [true] } },
  "kv_namespaces": [
    { "binding": "FIRST" },
    { "binding": "SECOND", }, // trailing commas
  ],
  "env": { "staging": { "d1_databases": [{ "binding": "DB" }] } },
}
`;

  it('keys, values and array elements from the syntax tree', () => {
    assert.equal(at(jsonc, 'json', ['name']), '"name"');
    assert.equal(at(jsonc, 'json', ['name'], 'value'), '"w"');
    assert.equal(at(jsonc, 'json', ['vars', 'B', 'c', 0], 'value'), 'true');
    assert.equal(at(jsonc, 'json', ['kv_namespaces', 1, 'binding'], 'value'), '"SECOND"');
    assert.equal(at(jsonc, 'json', ['kv_namespaces', 1]), '{ "binding": "SECOND", }');
    assert.equal(at(jsonc, 'json', ['env', 'staging', 'd1_databases', 0, 'binding'], 'value'), '"DB"');
    assert.equal(at(jsonc, 'json', ['missing']), undefined);
  });
});
