/**
 * SQLite errors as workerd words them (what D1 and Durable Object SQL show the worker):
 * `<sqlite message>[ at offset N]: SQLITE_<CODE>[ (extended: SQLITE_<CODE>_<EXT>)]`.
 * node:sqlite gives the message and the extended result code; the names are SQLite's own (sqlite.org/rescode.html).
 * SQLite's error offset (sqlite3_error_offset) is not exposed by node:sqlite: for the errors that carry one — a syntax
 * error near a token, an unknown column — it is the token's first place in the SQL, which is where SQLite points for
 * the statements people write.
 */

const PRIMARY: Record<number, string> = {
  1: 'ERROR', 2: 'INTERNAL', 3: 'PERM', 4: 'ABORT', 5: 'BUSY', 6: 'LOCKED', 7: 'NOMEM', 8: 'READONLY', 9: 'INTERRUPT',
  10: 'IOERR', 11: 'CORRUPT', 12: 'NOTFOUND', 13: 'FULL', 14: 'CANTOPEN', 15: 'PROTOCOL', 16: 'EMPTY', 17: 'SCHEMA',
  18: 'TOOBIG', 19: 'CONSTRAINT', 20: 'MISMATCH', 21: 'MISUSE', 22: 'NOLFS', 23: 'AUTH', 24: 'FORMAT', 25: 'RANGE',
  26: 'NOTADB', 27: 'NOTICE', 28: 'WARNING',
};

const EXTENDED: Record<number, string> = {
  257: 'ERROR_MISSING_COLLSEQ', 513: 'ERROR_RETRY', 769: 'ERROR_SNAPSHOT',
  275: 'CONSTRAINT_CHECK', 531: 'CONSTRAINT_COMMITHOOK', 787: 'CONSTRAINT_FOREIGNKEY', 1043: 'CONSTRAINT_FUNCTION',
  1299: 'CONSTRAINT_NOTNULL', 1555: 'CONSTRAINT_PRIMARYKEY', 1811: 'CONSTRAINT_TRIGGER', 2067: 'CONSTRAINT_UNIQUE',
  2323: 'CONSTRAINT_VTAB', 2579: 'CONSTRAINT_ROWID', 2835: 'CONSTRAINT_PINNED', 3091: 'CONSTRAINT_DATATYPE',
  264: 'READONLY_RECOVERY', 520: 'READONLY_CANTLOCK', 776: 'READONLY_ROLLBACK', 1032: 'READONLY_DBMOVED',
  516: 'ABORT_ROLLBACK', 261: 'BUSY_RECOVERY', 517: 'BUSY_SNAPSHOT', 262: 'LOCKED_SHAREDCACHE',
};

/** Where SQLite would point: the token an error names, as a whole word. */
function errorOffset(message: string, sql: string): number | undefined {
  const token = /^near "(.+)": syntax error$/.exec(message)?.[1] ?? /^no such column: ([^\s"]+)$/.exec(message)?.[1];
  if (token === undefined) return undefined;
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(^|[^\\w$])(${escaped})(?![\\w$])`).exec(sql);
  return match ? match.index + match[1]!.length : undefined;
}

/** The message of a node:sqlite error (or any error) for `sql`, as workerd formats it. */
export function sqliteErrorMessage(err: unknown, sql: string): string {
  const error = err as { message?: string; errcode?: unknown };
  const message = error.message ?? String(err);
  if (typeof error.errcode !== 'number') return message;
  const primary = error.errcode & 0xff;
  const primaryName = PRIMARY[primary] ?? String(primary);
  const extended = error.errcode !== primary && EXTENDED[error.errcode] ? ` (extended: SQLITE_${EXTENDED[error.errcode]})` : '';
  const offset = errorOffset(message, sql);
  return `${message}${offset === undefined ? '' : ` at offset ${offset}`}: SQLITE_${primaryName}${extended}`;
}
