/**
 * Parses REST Client request files (.http / .rest) into requests with their lines, file variables and problems.
 * Pure: no I/O, no editor. The grammar (syntaxes/http.tmLanguage.json) colours the same format:
 *
 *   @host = http://127.0.0.1:8787        file variable (file-wide, wherever it is written)
 *   ### List things                      separator; its text is the next request's title
 *   # @name list                         request name (also `// @name list`)
 *   GET /things?limit=2 HTTP/1.1         request line (a bare URL means GET)
 *       &sort=name                       query continuation lines (`?` or `&`) right below it
 *   Accept: application/json             headers, up to the first blank line
 *
 *   { "body": "{{host}}" }               body: everything after that blank line, up to the next ###
 *
 * Lines are 0-based here; messages for people (formatProblem) show them 1-based.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

export interface HttpHeader {
  name: string;
  value: string;
  line: number;
}

export interface HttpFileVariable {
  name: string;
  /** As written: may hold {{var}} references, resolved when a request is sent. */
  value: string;
  line: number;
}

export interface HttpRequestBlock {
  /** From `# @name x` / `// @name x` above the request line. */
  name?: string;
  /** The text after the `###` that opened the block, if any. */
  title?: string;
  /** Upper case. */
  method: string;
  /** As written, query continuation lines appended, {{var}} unresolved. */
  url: string;
  httpVersion?: string;
  headers: HttpHeader[];
  /** Lines after the blank line that ends the headers, trailing blank lines dropped; undefined when there are none. */
  body?: string;
  bodyLine?: number;
  /** The request line: where its Send Request lens goes. */
  line: number;
  /** First and last line of the block (its comments and metadata included, blank lines around it not). */
  startLine: number;
  endLine: number;
}

/** Something in the file that keeps a request from being sent as written. */
export interface HttpFileProblem {
  line: number;
  message: string;
}

export interface HttpFile {
  requests: HttpRequestBlock[];
  /** Every `@name = value` of the file; a later definition of a name replaces an earlier one. */
  variables: Map<string, HttpFileVariable>;
  problems: HttpFileProblem[];
}

/** `requests.http:12: unknown method GTE`: how a problem is reported to people (1-based line). */
export function formatProblem(fileLabel: string, problem: HttpFileProblem): string {
  return `${fileLabel}:${problem.line + 1}: ${problem.message}`;
}

/** The request whose block holds `line`, if any. */
export function requestAt(file: HttpFile, line: number): HttpRequestBlock | undefined {
  return file.requests.find((r) => line >= r.startLine && line <= r.endLine);
}

const SEPARATOR = /^\s*###(.*)$/;
const COMMENT = /^\s*(?:#|\/\/)/;
const REQUEST_NAME = /^\s*(?:#|\/\/)\s*@name\s+(\S+)\s*$/;
const FILE_VARIABLE = /^\s*@([A-Za-z_][\w.-]*)\s*=\s*(.*?)\s*$/;
/** A URL may hold {{...}} with spaces in it ({{$randomInt 1 10}}). */
const URL_TEXT = String.raw`(?:\{\{[^}]*\}\}|\S)+`;
const REQUEST_LINE = new RegExp(String.raw`^\s*(?:([A-Za-z]+)\s+)?(${URL_TEXT})(?:\s+(HTTP/\d+(?:\.\d+)?))?\s*$`);
const BARE_URL = /^(?:https?:\/\/|\/|\{\{)/i;
const QUERY_CONTINUATION = /^\s*[?&]/;
const HEADER = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*?)\s*$/;
const BLANK = /^\s*$/;

export function parseHttpFile(text: string): HttpFile {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const file: HttpFile = { requests: [], variables: new Map(), problems: [] };
  let blockStart = 0;
  let title: string | undefined;
  for (let i = 0; i <= lines.length; i++) {
    const separator = i < lines.length ? SEPARATOR.exec(lines[i]!) : null;
    if (i < lines.length && !separator) continue;
    parseBlock(lines, blockStart, i, title, file);
    title = separator?.[1]!.trim() || undefined;
    blockStart = i + 1;
  }
  return file;
}

/** One block between separators: metadata, comments and variables, then at most one request. */
function parseBlock(lines: string[], start: number, end: number, title: string | undefined, file: HttpFile): void {
  let name: string | undefined;
  let firstLine: number | undefined;
  for (let i = start; i < end; i++) {
    const line = lines[i]!;
    if (BLANK.test(line)) continue;
    firstLine ??= i;
    const requestName = REQUEST_NAME.exec(line);
    if (requestName) {
      name = requestName[1];
      continue;
    }
    if (COMMENT.test(line)) continue;
    const variable = FILE_VARIABLE.exec(line);
    if (variable) {
      file.variables.set(variable[1]!, { name: variable[1]!, value: variable[2]!, line: i });
      firstLine = undefined; // a variable belongs to the file, not to the request below it
      continue;
    }
    const request = parseRequestLine(line, i, file.problems);
    if (!request) return; // the rest of the block cannot be read as a request: skip to the next ###
    const block: HttpRequestBlock = { ...request, headers: [], line: i, startLine: firstLine, endLine: i };
    if (name !== undefined) block.name = name;
    if (title !== undefined) block.title = title;
    parseRest(lines, i + 1, end, block, file.problems);
    file.requests.push(block);
    return;
  }
}

function parseRequestLine(line: string, index: number, problems: HttpFileProblem[]): Pick<HttpRequestBlock, 'method' | 'url' | 'httpVersion'> | undefined {
  const match = REQUEST_LINE.exec(line);
  const [, method, url, httpVersion] = match ?? [];
  const upper = (method ?? 'GET').toUpperCase();
  if (match && method && BARE_URL.test(url!) && !(HTTP_METHODS as readonly string[]).includes(upper)) {
    problems.push({ line: index, message: `unknown method ${method} (one of ${HTTP_METHODS.join(', ')})` });
    return undefined;
  }
  if (!match || (method ? !(HTTP_METHODS as readonly string[]).includes(upper) : !BARE_URL.test(url!))) {
    problems.push({ line: index, message: `expected a request line (METHOD URL [HTTP/1.1]), a comment, @variable = value or ###; found "${line.trim()}"` });
    return undefined;
  }
  return httpVersion ? { method: upper, url: url!, httpVersion } : { method: upper, url: url! };
}

/** Query continuation lines, headers up to the first blank line, then the body up to the block's end. */
function parseRest(lines: string[], start: number, end: number, block: HttpRequestBlock, problems: HttpFileProblem[]): void {
  let i = start;
  for (; i < end && QUERY_CONTINUATION.test(lines[i]!); i++) {
    block.url += lines[i]!.trim();
    block.endLine = i;
  }
  for (; i < end && !BLANK.test(lines[i]!); i++) {
    block.endLine = i;
    if (COMMENT.test(lines[i]!)) continue;
    const header = HEADER.exec(lines[i]!);
    if (header) block.headers.push({ name: header[1]!, value: header[2]!, line: i });
    else problems.push({ line: i, message: `expected a header (Name: value) or a blank line before the body; found "${lines[i]!.trim()}"` });
  }
  const body = lines.slice(i + 1, end);
  while (body.length > 0 && BLANK.test(body.at(-1)!)) body.pop();
  const firstBodyLine = body.findIndex((line) => !BLANK.test(line));
  if (firstBodyLine < 0) return;
  block.body = body.slice(firstBodyLine).join('\n');
  block.bodyLine = i + 1 + firstBodyLine;
  block.endLine = i + body.length;
}
