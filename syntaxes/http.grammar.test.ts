// Tokenizes .http samples with the real TextMate engine VS Code uses (vscode-textmate + oniguruma) and checks, token by
// token, the scopes a user sees as colours. Embedded JSON is tokenized by a small stand-in JSON grammar (below) that,
// like VS Code's, owns its strings: {{var}} inside them must still come out as a variable (the grammar's injection).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, test } from 'node:test';
import oniguruma from 'vscode-oniguruma';
import textmate from 'vscode-textmate';

const require = createRequire(import.meta.url);
const grammarPath = new URL('./http.tmLanguage.json', import.meta.url);

/** Just enough JSON for the embedding tests: strings (which swallow everything up to the closing quote), numbers, punctuation. */
const STAND_IN_JSON = {
  scopeName: 'source.json',
  patterns: [{ include: '#value' }],
  repository: {
    value: {
      patterns: [
        { begin: '"', end: '"', name: 'string.quoted.double.json', patterns: [{ match: '\\\\.', name: 'constant.character.escape.json' }] },
        { match: '-?\\d+(?:\\.\\d+)?', name: 'constant.numeric.json' },
        { match: '\\b(?:true|false|null)\\b', name: 'constant.language.json' },
        { match: '[{}\\[\\],:]', name: 'punctuation.json' },
      ],
    },
  },
};

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName === 'source.http') return textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath.pathname);
      if (scopeName === 'source.json') return textmate.parseRawGrammar(JSON.stringify(STAND_IN_JSON), 'stand-in.json');
      return null;
    },
  });
  const grammar = await registry.loadGrammar('source.http');
  assert.ok(grammar, 'grammar loads');
  return grammar;
}

interface Token {
  text: string;
  scopes: string[];
}

/** Every line's tokens (whitespace-only tokens dropped), tokenized in order as an editor does. */
function tokenize(grammar: textmate.IGrammar, source: string): Token[][] {
  let state = textmate.INITIAL;
  return source.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens
      .map((token) => ({ text: line.slice(token.startIndex, token.endIndex), scopes: token.scopes }))
      .filter((token) => token.text.trim() !== '');
  });
}

/** A line as [text, innermost scope] pairs, the form the assertions below spell out. */
const innermost = (tokens: Token[]) => tokens.map((t) => [t.text.trim(), t.scopes.at(-1)!]);

describe('.http grammar', () => {
  let grammar: textmate.IGrammar;
  before(async () => {
    grammar = await loadGrammar();
  });
  const lines = (...source: string[]) => tokenize(grammar, source.join('\n'));

  test('### separator, with and without a title', () => {
    const [titled, bare] = lines('### List things', '###');
    assert.deepEqual(innermost(titled!), [
      ['###', 'punctuation.separator.request.http'],
      ['List things', 'entity.name.section.http'],
    ]);
    assert.deepEqual(innermost(bare!), [['###', 'punctuation.separator.request.http']]);
  });

  test('# @name and // @name name the request; other @ metadata is a keyword', () => {
    const [hash, slashes, other] = lines('# @name login', '// @name getUser', '# @no-redirect');
    assert.deepEqual(innermost(hash!), [
      ['#', 'punctuation.definition.comment.http'],
      ['@', 'punctuation.definition.annotation.http'],
      ['name', 'keyword.other.metadata.http'],
      ['login', 'entity.name.function.request.http'],
    ]);
    assert.deepEqual(innermost(slashes!), [
      ['//', 'punctuation.definition.comment.http'],
      ['@', 'punctuation.definition.annotation.http'],
      ['name', 'keyword.other.metadata.http'],
      ['getUser', 'entity.name.function.request.http'],
    ]);
    assert.deepEqual(innermost(other!), [
      ['#', 'punctuation.definition.comment.http'],
      ['@', 'punctuation.definition.annotation.http'],
      ['no-redirect', 'keyword.other.metadata.http'],
    ]);
  });

  test('# and // comments', () => {
    const [hash, slashes] = lines('# a comment', '  // another');
    assert.deepEqual(innermost(hash!), [
      ['#', 'punctuation.definition.comment.http'],
      ['a comment', 'comment.line.number-sign.http'],
    ]);
    assert.deepEqual(innermost(slashes!), [
      ['//', 'punctuation.definition.comment.http'],
      ['another', 'comment.line.double-slash.http'],
    ]);
  });

  test('@name = value file variables, with {{var}} in the value', () => {
    const [plain, templated] = lines('@host = http://127.0.0.1:8787', '@base={{host}}/api');
    assert.deepEqual(innermost(plain!), [
      ['@', 'punctuation.definition.variable.http'],
      ['host', 'variable.other.definition.http'],
      ['=', 'keyword.operator.assignment.http'],
      ['http://127.0.0.1:8787', 'string.unquoted.value.http'],
    ]);
    assert.deepEqual(innermost(templated!), [
      ['@', 'punctuation.definition.variable.http'],
      ['base', 'variable.other.definition.http'],
      ['=', 'keyword.operator.assignment.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['host', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
      ['/api', 'string.unquoted.value.http'],
    ]);
  });

  test('request line: method, URL with {{var}}, HTTP version; a bare URL; a lower-case method', () => {
    const [full] = lines('GET {{host}}/things?limit=2 HTTP/1.1');
    assert.deepEqual(innermost(full!), [
      ['GET', 'keyword.control.method.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['host', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
      ['/things?limit=2', 'string.unquoted.uri.http'],
      ['HTTP/1.1', 'constant.language.http-version.http'],
    ]);
    assert.ok(full![0]!.scopes.includes('meta.request.http'), `request line scopes: ${full![0]!.scopes.join(' ')}`);
    const [bare] = lines('https://example.com/x');
    assert.deepEqual(innermost(bare!), [['https://example.com/x', 'string.unquoted.uri.http']]);
    const [lower] = lines('post /things');
    assert.deepEqual(innermost(lower!), [
      ['post', 'keyword.control.method.http'],
      ['/things', 'string.unquoted.uri.http'],
    ]);
  });

  test('system variables {{$guid}}, {{$randomInt 1 10}} are told apart from file variables', () => {
    const [line] = lines('GET /ids/{{$guid}}?n={{$randomInt 1 10}}');
    assert.deepEqual(innermost(line!), [
      ['GET', 'keyword.control.method.http'],
      ['/ids/', 'string.unquoted.uri.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['$guid', 'variable.language.system.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
      ['?n=', 'string.unquoted.uri.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['$randomInt', 'variable.language.system.http'],
      ['1 10', 'string.unquoted.argument.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
    ]);
  });

  test('headers and query continuation lines after the request line', () => {
    const [, query, more, header, templated] = lines('GET /search', '    ?q=cats', '    &page={{page}}', 'Accept: application/json', 'Authorization: Bearer {{token}}');
    assert.deepEqual(innermost(query!), [
      ['?', 'punctuation.separator.query.http'],
      ['q', 'variable.parameter.query.http'],
      ['=', 'keyword.operator.assignment.http'],
      ['cats', 'string.unquoted.query-value.http'],
    ]);
    assert.deepEqual(innermost(more!), [
      ['&', 'punctuation.separator.query.http'],
      ['page', 'variable.parameter.query.http'],
      ['=', 'keyword.operator.assignment.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['page', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
    ]);
    assert.deepEqual(innermost(header!), [
      ['Accept', 'entity.name.tag.header.http'],
      [':', 'punctuation.separator.key-value.http'],
      ['application/json', 'string.unquoted.header-value.http'],
    ]);
    assert.deepEqual(innermost(templated!), [
      ['Authorization', 'entity.name.tag.header.http'],
      [':', 'punctuation.separator.key-value.http'],
      ['Bearer', 'string.unquoted.header-value.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['token', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
    ]);
  });

  test('a body after a JSON Content-Type is embedded JSON, {{var}} inside its strings included', () => {
    const tokens = lines('POST /things', 'Content-Type: application/json; charset=utf-8', 'X-Trace: 1', '', '"just a string"', '{ "name": "{{name}}", "n": 2 }', '###', 'GET /');
    assert.deepEqual(innermost(tokens[1]!), [
      ['Content-Type', 'entity.name.tag.header.http'],
      [':', 'punctuation.separator.key-value.http'],
      ['application/json; charset=utf-8', 'string.unquoted.header-value.http'],
    ]);
    assert.deepEqual(innermost(tokens[2]!), [
      ['X-Trace', 'entity.name.tag.header.http'],
      [':', 'punctuation.separator.key-value.http'],
      ['1', 'string.unquoted.header-value.http'],
    ]);
    // JSON by its Content-Type even though it does not start with { or [.
    assert.deepEqual(innermost(tokens[4]!), [
      ['"', 'string.quoted.double.json'],
      ['just a string', 'string.quoted.double.json'],
      ['"', 'string.quoted.double.json'],
    ]);
    assert.deepEqual(innermost(tokens[5]!), [
      ['{', 'punctuation.json'],
      ['"', 'string.quoted.double.json'],
      ['name', 'string.quoted.double.json'],
      ['"', 'string.quoted.double.json'],
      [':', 'punctuation.json'],
      ['"', 'string.quoted.double.json'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['name', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
      ['"', 'string.quoted.double.json'],
      [',', 'punctuation.json'],
      ['"', 'string.quoted.double.json'],
      ['n', 'string.quoted.double.json'],
      ['"', 'string.quoted.double.json'],
      [':', 'punctuation.json'],
      ['2', 'constant.numeric.json'],
      ['}', 'punctuation.json'],
    ]);
    for (const token of [...tokens[4]!, ...tokens[5]!]) {
      assert.ok(token.scopes.includes('meta.embedded.block.json'), `"${token.text}" is not in meta.embedded.block.json: ${token.scopes.join(' ')}`);
    }
    // The JSON ends at ###: the next request is a request again.
    assert.deepEqual(innermost(tokens[6]!), [['###', 'punctuation.separator.request.http']]);
    assert.deepEqual(innermost(tokens[7]!), [
      ['GET', 'keyword.control.method.http'],
      ['/', 'string.unquoted.uri.http'],
    ]);
    assert.ok(!tokens[7]!.some((t) => t.scopes.includes('meta.embedded.block.json')), 'the next request is still inside the JSON');
  });

  test('a body starting with { or [ is embedded JSON without a Content-Type; other bodies are text with {{var}}', () => {
    const tokens = lines('POST /a', '', '[1, {"k": true}]', '###', 'POST /b', 'Content-Type: text/plain', '', 'name: {{name}}', '###');
    assert.deepEqual(innermost(tokens[2]!), [
      ['[', 'punctuation.json'],
      ['1', 'constant.numeric.json'],
      [',', 'punctuation.json'],
      ['{', 'punctuation.json'],
      ['"', 'string.quoted.double.json'],
      ['k', 'string.quoted.double.json'],
      ['"', 'string.quoted.double.json'],
      [':', 'punctuation.json'],
      ['true', 'constant.language.json'],
      ['}', 'punctuation.json'],
      [']', 'punctuation.json'],
    ]);
    assert.ok(tokens[2]!.every((t) => t.scopes.includes('meta.embedded.block.json')));
    // In a body, `name: value` is text, not a header.
    assert.deepEqual(innermost(tokens[7]!), [
      ['name:', 'meta.body.http'],
      ['{{', 'punctuation.definition.template-expression.begin.http'],
      ['name', 'variable.other.http'],
      ['}}', 'punctuation.definition.template-expression.end.http'],
    ]);
    assert.ok(!tokens[7]!.some((t) => t.scopes.includes('meta.embedded.block.json')), 'a text/plain body is not JSON');
    assert.deepEqual(innermost(tokens[8]!), [['###', 'punctuation.separator.request.http']]);
  });
});
