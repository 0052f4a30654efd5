// Parameters as SQLite numbers them, rewritten to bare `?` for node:sqlite; quoted text and comments are not SQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEmptyStatement, parameters } from './sqlText.ts';

test('bare, numbered and named parameters get SQLite\'s indexes', () => {
  assert.deepEqual(parameters('SELECT ?, ?'), { count: 2, sql: 'SELECT ?, ?', indexes: [1, 2] });
  assert.deepEqual(parameters('SELECT ?1 AS a, ?2 AS b, ?1 AS c'), { count: 2, sql: 'SELECT ? AS a, ? AS b, ? AS c', indexes: [1, 2, 1] });
  assert.deepEqual(parameters('SELECT ?3, ?'), { count: 4, sql: 'SELECT ?, ?', indexes: [3, 4] });
  assert.deepEqual(parameters('SELECT :a, @b, $c, :a'), { count: 3, sql: 'SELECT ?, ?, ?, ?', indexes: [1, 2, 3, 1] });
});

test('question marks and names inside strings, quoted identifiers and comments are not parameters', () => {
  const sql = `SELECT '?', "a?b", [x?], \`y?\` -- ? :c\n/* ? @d */ FROM t WHERE x = ?`;
  assert.deepEqual(parameters(sql).indexes, [1]);
  assert.equal(parameters("SELECT 'it''s ?' AS s, ?").count, 1);
});

test('empty statements, as D1 tells them', () => {
  assert.equal(isEmptyStatement('   '), true);
  assert.equal(isEmptyStatement('  -- just a comment'), true);
  assert.equal(isEmptyStatement('SELECT 1'), false);
});
