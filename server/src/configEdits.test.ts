// Unit tests of the wrangler config edits behind quick fixes: TOML and JSON(C) shapes people write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addCompatibilityFlag } from './configEdits.ts';

function added(file: string, text: string, flag = 'nodejs_compat'): string | undefined {
  const edit = addCompatibilityFlag(file, text, flag);
  return edit && text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
}

describe('addCompatibilityFlag', () => {
  it('TOML: adds the key after compatibility_date, keeping everything else', () => {
    const text = `name = "w" # the name\nmain = "src/index.ts"\ncompatibility_date = "2024-01-01" # pinned\n\n[vars]\nA = "1"\n`;
    assert.equal(added('wrangler.toml', text), `name = "w" # the name\nmain = "src/index.ts"\ncompatibility_date = "2024-01-01" # pinned\ncompatibility_flags = ["nodejs_compat"]\n\n[vars]\nA = "1"\n`);
  });

  it('TOML: without a date, before the first table; in an empty root, at the end (even with no final newline)', () => {
    assert.equal(added('wrangler.toml', `name = "w"\n[vars]\nA = "1"\n`), `name = "w"\ncompatibility_flags = ["nodejs_compat"]\n[vars]\nA = "1"\n`);
    assert.equal(added('wrangler.toml', `name = "w"`), `name = "w"\ncompatibility_flags = ["nodejs_compat"]\n`);
    assert.equal(added('wrangler.toml', `compatibility_date = "2024-01-01"`), `compatibility_date = "2024-01-01"\ncompatibility_flags = ["nodejs_compat"]\n`);
  });

  it('TOML: extends an existing array, one-line, empty or multi-line with comments and a trailing comma', () => {
    assert.equal(added('wrangler.toml', `compatibility_flags = ["url_standard"]\n`), `compatibility_flags = ["url_standard", "nodejs_compat"]\n`);
    assert.equal(added('wrangler.toml', `compatibility_flags = [ ]\n`), `compatibility_flags = ["nodejs_compat" ]\n`);
    assert.equal(
      added('wrangler.toml', `compatibility_flags = [\n  'a', # first ]\n  "b",\n]\n[vars]\n`),
      `compatibility_flags = [\n  'a', # first ]\n  "b", "nodejs_compat",\n]\n[vars]\n`,
    );
  });

  it('TOML: leaves compatibility_flags of an [env.x] table alone and adds a root one', () => {
    const text = `name = "w"\n\n[env.production]\ncompatibility_flags = ["nodejs_compat"]\n`;
    assert.equal(added('wrangler.toml', text), `name = "w"\n\ncompatibility_flags = ["nodejs_compat"]\n[env.production]\ncompatibility_flags = ["nodejs_compat"]\n`);
  });

  it('TOML: offers nothing when the result would not parse or is not an array of strings', () => {
    assert.equal(added('wrangler.toml', `compatibility_flags = "nodejs_compat"\n`), undefined);
    assert.equal(added('wrangler.toml', `compatibility_flags = [1]\n`), undefined);
  });

  it('JSONC: appends to the array or adds the key, keeping comments and indentation', () => {
    const withArray = `{\n  // flags\n  "compatibility_flags": ["url_standard"],\n  "main": "src/index.ts"\n}\n`;
    const extended = added('wrangler.jsonc', withArray)!;
    assert.match(extended, /\/\/ flags/);
    assert.match(extended, /"compatibility_flags": \["url_standard", "nodejs_compat"\]/);

    const without = `{\n\t"name": "w",\n\t"main": "src/index.ts"\n}\n`;
    const created = added('wrangler.json', without)!;
    assert.deepEqual(JSON.parse(created), { name: 'w', main: 'src/index.ts', compatibility_flags: ['nodejs_compat'] });
    assert.match(created, /\n\t"compatibility_flags": \[/);
  });
});
