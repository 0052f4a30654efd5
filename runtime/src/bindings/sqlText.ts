/**
 * What D1 needs to know of a statement's text before running it, read with SQLite's own lexical rules for the parts
 * that matter (string literals, quoted identifiers, comments): its parameters. D1 binds values by position to every
 * kind of parameter (`?`, `?NNN`, `:name`, `@name`, `$name`); node:sqlite binds positional values to bare `?` only and
 * does not expose sqlite3_bind_parameter_count. So the statement is rewritten with a bare `?` per occurrence, and the
 * values are laid out to match, with SQLite's numbering: a bare `?` is one past the largest index so far, `?NNN` is
 * NNN, a name gets the next index at its first use and keeps it.
 */

export interface Parameters {
  /** How many values the statement takes (sqlite3_bind_parameter_count). */
  count: number;
  /** The statement with every parameter a bare `?`. */
  sql: string;
  /** For each `?` of `sql`, in order, the 1-based index of the value it takes. */
  indexes: number[];
}

export function parameters(sql: string): Parameters {
  let count = 0;
  const names = new Map<string, number>();
  const indexes: number[] = [];
  let out = '';
  let copied = 0;
  const replace = (start: number, end: number, index: number) => {
    out += `${sql.slice(copied, start)}?`;
    copied = end;
    indexes.push(index);
  };
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      // A doubled quote inside is two quoted runs back to back: same result.
      i = sql.indexOf(c, i + 1);
      if (i === -1) break;
    } else if (c === '[') {
      i = sql.indexOf(']', i + 1);
      if (i === -1) break;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = sql.indexOf('\n', i);
      if (i === -1) break;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = sql.indexOf('*/', i + 2);
      if (i === -1) break;
      i++;
    } else if (c === '?') {
      const digits = /^\d+/.exec(sql.slice(i + 1))?.[0];
      const index = digits ? Number(digits) : count + 1;
      count = Math.max(count, index);
      replace(i, i + 1 + (digits?.length ?? 0), index);
      i += digits?.length ?? 0;
    } else if ((c === ':' || c === '@' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_0-9$]+/.exec(sql.slice(i + 1))![0];
      let index = names.get(name);
      if (index === undefined) {
        index = ++count;
        names.set(name, index);
      }
      replace(i, i + 1 + name.length, index);
      i += name.length;
    }
  }
  return { count, sql: out + sql.slice(copied), indexes };
}

/** D1's test for "nothing to run" (Miniflare's, word for word): empty once indented comment lines and whitespace are gone. */
export function isEmptyStatement(sql: string): boolean {
  return sql.replace(/^\s+--.*/gm, '').trim().length === 0;
}
