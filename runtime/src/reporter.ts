/**
 * Where the sidecar's output goes. Human mode: `Ready on …`, worker console output and one line per request on
 * stdout; problems on stderr. RPC mode: the same events as JSON-RPC notifications, human lines on stderr only
 * (stdout belongs to the protocol).
 */
import path from 'node:path';
import type { BuildErrorParams, LogLevel, ReadyParams, RequestRecord, StatusParams } from '../../common/protocol.ts';
import { requestLine } from '../../common/requestLine.ts';
import type { WireHeaders, WireLogLevel, WireResponse } from '../isolate/wire.ts';
import type { ControlChannel } from './controlChannel.ts';

export class Reporter {
  readonly #channel: ControlChannel | undefined;
  /** `[name] ` before every human line of a worker other than the first of a multi-worker sidecar. */
  readonly #prefix: string;

  constructor(channel?: ControlChannel, prefix = '') {
    this.#channel = channel;
    this.#prefix = prefix;
  }

  /** The same output for another worker of the sidecar: its human lines start with `[name] `. */
  named(name: string): Reporter {
    return new Reporter(this.#channel, `[${name}] `);
  }

  #out(line: string): void {
    (this.#channel ? process.stderr : process.stdout).write(this.#prefix + line + '\n');
  }

  /** Notes for the user (e.g. the debugger address): always stderr, never in the protocol's way. */
  note(line: string): void {
    process.stderr.write(this.#prefix + line + '\n');
  }

  /** Progress towards Ready, for the extension (the CLI prints nothing until Ready or an error). */
  status(state: StatusParams['state']): void {
    void this.#channel?.status({ state });
  }

  ready(params: ReadyParams): void {
    this.#out(`Ready on ${params.url}`);
    void this.#channel?.ready(params);
  }

  /**
   * Worker console output. `location` (`/abs/file.ts:LINE:COL`, already source-mapped) goes to the protocol as is and
   * ends the human line, relative to the working directory: `hello  (src/index.ts:4:13)`.
   */
  workerLog(level: WireLogLevel, message: string, location?: string): void {
    if (this.#channel) {
      void this.#channel.log({ level: protocolLevel(level), message, ...(location ? { location } : {}) });
    } else {
      (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(this.#prefix + (location ? `${message}  (${displayPath(location)})` : message) + '\n');
    }
  }

  /**
   * One line per request (common/requestLine.ts). With the control channel the record goes to the extension, which
   * logs that same line: not on stderr too, or its log would show each request twice.
   */
  request(record: RequestRecord): void {
    if (this.#channel) void this.#channel.requestCompleted(record);
    else this.#out(requestLine(record));
  }

  /** `↻ #2 evicted: idle for 300 s` */
  evicted(instance: number, reason: string): void {
    this.note(`↻ #${instance} evicted: ${reason}`);
    void this.#channel?.evicted({ instance, reason });
  }

  /** A worker exception while handling a request. */
  workerError(text: string): void {
    this.note(text);
    void this.#channel?.log({ level: 'error', message: text });
  }

  /** A build or load failure (stderr, and `runtime/buildError` on the channel); resolves once it is sent. */
  async buildError(params: BuildErrorParams, text: string): Promise<void> {
    this.note(text);
    await this.#channel?.buildError(params);
  }
}

/** A path under the working directory, relative to it; anything else as given. */
/** A console level as the protocol has it (`console.log` is `info`). */
export function protocolLevel(level: WireLogLevel): LogLevel {
  return level === 'log' ? 'info' : level;
}

export function displayPath(location: string): string {
  if (!path.isAbsolute(location)) return location;
  const relative = path.relative(process.cwd(), location);
  return relative.startsWith('..') || path.isAbsolute(relative) ? location : relative;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Whether the request's Accept header asks for HTML (a browser navigation), not just `*\/*`. */
export function acceptsHtml(headers: WireHeaders): boolean {
  return headers.some(([name, value]) => name.toLowerCase() === 'accept' && /\btext\/html\b/i.test(value));
}

/**
 * The 500 the runtime answers with when the worker failed (to load, or in a handler): `title`, then the message and
 * the source-mapped stack. Plain text, or an HTML page for a browser, with each `file:line:column` of the stack linked
 * to the editor (vscode://file/…).
 */
export function errorPage(title: string, stack: string, html: boolean, status: 500 | 503 = 500): WireResponse {
  const headers: WireHeaders = [['cache-control', 'no-store']];
  const statusText = status === 500 ? 'Internal Server Error' : 'Service Unavailable';
  if (!html) {
    headers.unshift(['content-type', 'text/plain; charset=utf-8']);
    return { status, statusText, headers, body: new TextEncoder().encode(`${title}\n\n${stack}\n`) };
  }
  const [first = '', ...rest] = stack.split('\n');
  const frames = rest
    .map((line) => {
      const escaped = escapeHtml(line);
      return escaped.replace(/(\/[^():\s]+):(\d+):(\d+)/, (where: string, file: string, l: string, c: string) => `<a href="vscode://file${encodeURI(file)}:${l}:${c}">${where}</a>`);
    })
    .join('\n');
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.2em;color:#b00020}pre{background:#f6f6f6;padding:1em;overflow:auto}a{color:#0451a5}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<pre class="message">${escapeHtml(first)}</pre>
<pre class="stack">${frames}</pre>
<p>Worker Studio (local development)</p>
</body></html>
`;
  headers.unshift(['content-type', 'text/html; charset=utf-8']);
  return { status, statusText, headers, body: new TextEncoder().encode(page) };
}
