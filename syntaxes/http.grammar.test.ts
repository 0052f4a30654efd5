// Tokenizes .http samples with the real TextMate engine VS Code uses (vscode-textmate + oniguruma) and checks the scopes
// a user sees as colours: separators, comments, variables, request line, headers, {{templates}}.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import oniguruma from 'vscode-oniguruma';
import textmate from 'vscode-textmate';

const require = createRequire(import.meta.url);
const grammarPath = new URL('./http.tmLanguage.json', import.meta.url);

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.http' ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath.pathname) : null,
  });
  const grammar = await registry.loadGrammar('source.http');
  assert.ok(grammar, 'grammar loads');
  return grammar;
}

/** The innermost scope of each token, keyed `lineNumber:text` (0-based lines). */
function tokenize(grammar: textmate.IGrammar, source: string): Map<string, string> {
  const scopes = new Map<string, string>();
  let state = textmate.INITIAL;
  source.split('\n').forEach((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const text = line.slice(token.startIndex, token.endIndex).trim();
      if (text) scopes.set(`${index}:${text}`, token.scopes.at(-1)!);
    }
    state = result.ruleStack;
  });
  return scopes;
}

test('.http grammar colours the parts of a request file', async () => {
  const grammar = await loadGrammar();
  const scopes = tokenize(
    grammar,
    [
      '@host = http://127.0.0.1:8787',
      '### List things',
      '# a comment',
      'GET {{host}}/things?limit=2 HTTP/1.1',
      'Accept: application/json',
      '',
      '###',
      'POST /things',
      'Content-Type: application/json',
      '',
      '{ "name": "{{name}}" }',
    ].join('\n'),
  );
  assert.equal(scopes.get('0:host'), 'variable.other.definition.http');
  assert.equal(scopes.get('1:###'), 'punctuation.separator.request.http');
  assert.equal(scopes.get('1:List things'), 'entity.name.section.http');
  assert.equal(scopes.get('2:# a comment'), 'comment.line.http');
  assert.equal(scopes.get('3:GET'), 'keyword.control.http');
  assert.equal(scopes.get('3:{{'), 'punctuation.definition.template-expression.begin.http');
  assert.equal(scopes.get('3:host'), 'variable.other.http');
  assert.equal(scopes.get('3:HTTP/1.1'), 'constant.language.http-version.http');
  assert.equal(scopes.get('4:Accept'), 'entity.name.tag.header.http');
  assert.equal(scopes.get('7:POST'), 'keyword.control.http');
  assert.equal(scopes.get('8:Content-Type'), 'entity.name.tag.header.http');
  // The JSON body is embedded JSON (highlighted by VS Code's JSON grammar) with templates still recognised inside.
  assert.equal(scopes.get('10:name'), 'variable.other.http');
});
