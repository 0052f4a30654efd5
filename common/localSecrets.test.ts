// Unit tests of the local secret files: dotenv's grammar with the keys' places, and wrangler's choice of files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { localSecretFiles, parseDotenv, readLocalSecrets } from './localSecrets.ts';

const root = path.resolve('/virtual/worker');
const reader = (files: Record<string, string>) => (file: string) => files[path.relative(root, file)];

describe('parseDotenv', () => {
  it('values as dotenv reads them: quotes, export, comments, `:` separators, multi-line double quotes, later lines win', () => {
    const text = `# comment\nPLAIN=value # trailing comment\nexport EXPORTED = "quoted # not a comment"\nSINGLE='raw \\n'\nDOUBLE="line\\nbreak"\nMULTI="one\ntwo"\nCOLON: yes\nEMPTY=\nPLAIN=again\n`;
    assert.deepEqual(
      Object.fromEntries(parseDotenv(text).map((e) => [e.name, e.value])),
      { EXPORTED: 'quoted # not a comment', SINGLE: 'raw \\n', DOUBLE: 'line\nbreak', MULTI: 'one\ntwo', COLON: 'yes', EMPTY: '', PLAIN: 'again' },
    );
  });

  it('keeps the offsets of each key, CR LF line ends included', () => {
    const text = 'A=1\r\n  export B=2\r\nC="x"\r\n';
    const spans = parseDotenv(text).map((e) => text.slice(e.start, e.end));
    assert.deepEqual(spans, ['A', 'B', 'C']);
  });
});

describe('which files hold the local secrets', () => {
  it('.dev.vars, or .dev.vars.<env> instead of it when it exists (never both)', () => {
    const files = { '.dev.vars': 'A=1\n', '.dev.vars.staging': 'B=2\n', '.env': 'C=3\n' };
    assert.deepEqual(localSecretFiles(root, undefined, reader(files)).map((f) => path.basename(f.file)), ['.dev.vars']);
    assert.deepEqual(localSecretFiles(root, 'staging', reader(files)).map((f) => path.basename(f.file)), ['.dev.vars.staging']);
    assert.deepEqual(localSecretFiles(root, 'production', reader(files)).map((f) => path.basename(f.file)), ['.dev.vars']);
  });

  it('without any .dev.vars: the .env files, merged with the most specific winning', () => {
    const files = { '.env': 'A=env\nB=env\nC=env\nD=env\n', '.env.staging': 'B=staging\nC=staging\n', '.env.local': 'C=local\nD=local\n', '.env.staging.local': 'D=staging-local\n' };
    const secrets = readLocalSecrets(root, 'staging', reader(files));
    assert.deepEqual(
      Object.fromEntries(secrets.map((s) => [s.name, `${s.value} ${path.basename(s.file)}:${s.line}`])),
      { A: 'env .env:1', B: 'staging .env.staging:1', C: 'local .env.local:1', D: 'staging-local .env.staging.local:1' },
    );
    assert.deepEqual(
      readLocalSecrets(root, undefined, reader(files)).map((s) => `${s.name}=${s.value}`),
      ['A=env', 'B=env', 'C=local', 'D=local'],
    );
  });

  it('none at all', () => {
    assert.deepEqual(readLocalSecrets(root, undefined, reader({})), []);
  });
});
