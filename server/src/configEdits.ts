/**
 * Text edits to a wrangler config, for quick fixes: the smallest change that leaves the rest of the file (comments,
 * order, formatting) as the user wrote it. Every edit is checked by parsing the edited text with the same parsers
 * the config is read with; an edit that would not give the intended config is not offered.
 */
import { applyEdits, findNodeAtLocation, modify, parse as parseJsonc, parseTree, type FormattingOptions, type ParseError } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** Adds `flag` to the top-level `compatibility_flags` (creating the key when missing); undefined when unsafe. */
export function addCompatibilityFlag(configPath: string, text: string, flag: string): TextEdit | undefined {
  const edit = configPath.endsWith('.toml') ? addTomlArrayItem(text, 'compatibility_flags', flag) : addJsonArrayItem(text, 'compatibility_flags', flag);
  if (!edit) return undefined;
  const edited = text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
  let flags: unknown;
  try {
    flags = configPath.endsWith('.toml') ? parseToml(edited).compatibility_flags : (parseJsonc(edited, [], { allowTrailingComma: true }) as Record<string, unknown>).compatibility_flags;
  } catch {
    return undefined;
  }
  return Array.isArray(flags) && flags.includes(flag) ? edit : undefined;
}

function addJsonArrayItem(text: string, key: string, item: string): TextEdit | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || root?.type !== 'object') return undefined;
  const existing = findNodeAtLocation(root, [key]);
  if (existing) {
    // Insert beside the last item, as written (modify() would reformat the whole array).
    if (existing.type !== 'array') return undefined;
    const last = existing.children?.at(-1);
    const quoted = JSON.stringify(item);
    return last ? { start: last.offset + last.length, end: last.offset + last.length, newText: `, ${quoted}` } : { start: existing.offset + 1, end: existing.offset + 1, newText: quoted };
  }
  const edits = modify(text, [key], [item], { formattingOptions: jsonFormatting(text) });
  if (edits.length === 0) return undefined;
  // modify() answers with one edit in practice; fold several into one covering edit all the same.
  const start = Math.min(...edits.map((e) => e.offset));
  const end = Math.max(...edits.map((e) => e.offset + e.length));
  const shifted = edits.map((e) => ({ ...e, offset: e.offset - start }));
  return { start, end, newText: applyEdits(text.slice(start, end), shifted) };
}

function jsonFormatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Adds a string to a top-level TOML array of strings, or adds `key = ["item"]` to the root table. */
function addTomlArrayItem(text: string, key: string, item: string): TextEdit | undefined {
  const shape = scanToml(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const quoted = JSON.stringify(item);
  const entry = shape.rootKeys.get(key);
  if (entry) {
    if (entry.arrayStart === undefined || entry.arrayEnd === undefined || entry.otherItem) return undefined;
    const lastValueEnd = entry.lastValueEnd;
    if (lastValueEnd === undefined) return { start: entry.arrayStart + 1, end: entry.arrayStart + 1, newText: quoted };
    return { start: lastValueEnd, end: lastValueEnd, newText: `, ${quoted}` };
  }
  const line = `${key} = [${quoted}]${eol}`;
  // Beside compatibility_date when there is one, else at the end of the root table (before the first [table]).
  const after = shape.rootKeys.get('compatibility_date')?.lineEnd;
  if (after !== undefined) return { start: after, end: after, newText: `${text[after - 1] === '\n' ? '' : eol}${line}` };
  if (shape.firstTable !== undefined) return { start: shape.firstTable, end: shape.firstTable, newText: line };
  return { start: text.length, end: text.length, newText: `${text.length > 0 && !text.endsWith('\n') ? eol : ''}${line}` };
}

interface TomlKey {
  /** Offset just past the end of the key's line (after its line break). */
  lineEnd: number;
  /** For an array value: offsets of `[` and `]`, and the end of its last string item. */
  arrayStart?: number;
  arrayEnd?: number;
  lastValueEnd?: number;
  /** The array holds something other than strings (not a list of flags: left alone). */
  otherItem?: boolean;
}

interface TomlShape {
  /** Keys of the root table, by name. */
  rootKeys: Map<string, TomlKey>;
  /** Offset of the first table header (`[x]` / `[[x]]`), if any. */
  firstTable: number | undefined;
}

/**
 * Just enough of TOML's lexical structure to place an edit: strings (basic, literal, multi-line), comments, array
 * nesting, the root table's `key =` lines and where the first table starts. Values are not interpreted.
 */
function scanToml(text: string): TomlShape {
  const rootKeys = new Map<string, TomlKey>();
  let firstTable: number | undefined;
  let i = 0;
  const n = text.length;
  const lineEndFrom = (from: number) => {
    const newline = text.indexOf('\n', from);
    return newline < 0 ? n : newline + 1;
  };
  /** Skips a string starting at text[at]; returns the offset after it. */
  const skipString = (at: number): number => {
    const quote = text[at]!;
    const triple = text.startsWith(quote.repeat(3), at);
    if (triple) {
      const close = text.indexOf(quote.repeat(3), at + 3);
      if (close < 0) return n;
      let end = close + 3;
      while (text[end] === quote) end++; // up to two quotes may end the content: """a"""""
      return end;
    }
    for (let j = at + 1; j < n; j++) {
      if (quote === '"' && text[j] === '\\') j++;
      else if (text[j] === quote || text[j] === '\n') return j + 1;
    }
    return n;
  };
  /** Skips a value (scalar, array, inline table) from `at`; records array positions for `key`. */
  const skipValue = (at: number, key: TomlKey | undefined): number => {
    let depth = 0;
    let j = at;
    while (j < n) {
      const c = text[j]!;
      if (c === '"' || c === "'") {
        j = skipString(j);
        if (key && depth === 1) key.lastValueEnd = j;
        continue;
      }
      if (c === '#') {
        j = lineEndFrom(j) - 1;
        if (depth === 0) return j;
        continue;
      }
      if (c === '[' || c === '{') {
        if (depth === 0 && c === '[' && key) key.arrayStart = j;
        depth++;
      } else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          if (c === ']' && key) key.arrayEnd = j;
          return j + 1;
        }
      } else if (c === '\n' && depth === 0) return j;
      else if (depth === 1 && key && !/[\s,]/.test(c)) key.otherItem = true;
      j++;
    }
    return j;
  };
  while (i < n) {
    // At the start of a line.
    const lineStart = i;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    const c = text[i];
    if (c === undefined) break;
    if (c === '\n' || c === '\r' || c === '#') {
      i = lineEndFrom(i);
      continue;
    }
    if (c === '[') {
      firstTable ??= lineStart;
      i = lineEndFrom(i);
      continue;
    }
    const match = /^("?)([A-Za-z0-9_.-]+)\1[ \t]*=[ \t]*/.exec(text.slice(i, i + 200));
    if (!match) {
      i = lineEndFrom(i);
      continue;
    }
    const key: TomlKey | undefined = firstTable === undefined ? { lineEnd: 0 } : undefined;
    const end = skipValue(i + match[0].length, key);
    i = lineEndFrom(end);
    if (key) {
      key.lineEnd = i;
      rootKeys.set(match[2]!, key);
    }
  }
  return { rootKeys, firstTable };
}
