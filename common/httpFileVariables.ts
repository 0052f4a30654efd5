/**
 * Substitutes {{var}} in a parsed .http request: the file's `@name = value` variables first, then the environment's
 * (whatever the caller passes: the request panel's selected environment), then system variables ({{$guid}} …).
 * A file variable's value may itself use {{var}}. Pure; randomness and the clock come in through `SystemSources` so
 * tests can pin them.
 */
import type { HttpFile, HttpFileProblem, HttpRequestBlock } from './httpFile.ts';

/** A request ready to send: every {{var}} replaced. */
export interface ResolvedHttpRequest {
  method: string;
  url: string;
  /** Repeated headers joined with ", " as fetch does. */
  headers: Record<string, string>;
  body?: string;
}

export interface SystemSources {
  now(): Date;
  randomUUID(): string;
  /** In [0, 1), as Math.random. */
  random(): number;
}

export interface ResolveOptions {
  environment?: Readonly<Record<string, string>>;
  system?: SystemSources;
}

/** Thrown with the line of the {{var}} (or variable definition) at fault. */
export class HttpVariableError extends Error implements HttpFileProblem {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'HttpVariableError';
    this.line = line;
  }
}

export const SYSTEM_VARIABLES = ['$guid', '$randomInt min max', '$timestamp', '$datetime iso8601|rfc1123'] as const;

const defaultSystem: SystemSources = {
  now: () => new Date(),
  randomUUID: () => globalThis.crypto.randomUUID(),
  random: Math.random,
};

const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;

export function resolveRequest(file: HttpFile, request: HttpRequestBlock, options: ResolveOptions = {}): ResolvedHttpRequest {
  const resolver = new Resolver(file, options);
  const headers: Record<string, string> = {};
  for (const header of request.headers) {
    const value = resolver.substitute(header.value, header.line);
    const existing = Object.keys(headers).find((name) => name.toLowerCase() === header.name.toLowerCase());
    if (existing) headers[existing] += `, ${value}`;
    else headers[header.name] = value;
  }
  const resolved: ResolvedHttpRequest = { method: request.method, url: resolver.substitute(request.url, request.line), headers };
  if (request.body !== undefined) resolved.body = resolver.substitute(request.body, request.bodyLine!);
  return resolved;
}

class Resolver {
  private readonly file: HttpFile;
  private readonly environment: Readonly<Record<string, string>>;
  private readonly system: SystemSources;
  /** File variables resolved so far (each once per request, so {{$guid}} in one is the same everywhere it is used). */
  private readonly resolvedFileVariables = new Map<string, string>();

  constructor(file: HttpFile, options: ResolveOptions) {
    this.file = file;
    this.environment = options.environment ?? {};
    this.system = options.system ?? defaultSystem;
  }

  /** `text` starts at `line`; a {{var}} on one of its later lines is reported on that line. */
  substitute(text: string, line: number, using: string[] = []): string {
    return text.replace(TEMPLATE, (_whole, expression: string, offset: number) => {
      const at = line + (text.slice(0, offset).match(/\n/g)?.length ?? 0);
      return this.value(expression, at, using);
    });
  }

  private value(expression: string, line: number, using: string[]): string {
    if (expression.startsWith('$')) return this.systemValue(expression, line);
    const variable = this.file.variables.get(expression);
    if (variable) {
      const done = this.resolvedFileVariables.get(expression);
      if (done !== undefined) return done;
      if (using.includes(expression)) {
        throw new HttpVariableError(variable.line, `variable ${expression} refers to itself: ${[...using, expression].join(' → ')}`);
      }
      const value = this.substitute(variable.value, variable.line, [...using, expression]);
      this.resolvedFileVariables.set(expression, value);
      return value;
    }
    if (Object.hasOwn(this.environment, expression)) return this.environment[expression]!;
    const known = [...this.file.variables.keys(), ...Object.keys(this.environment)];
    throw new HttpVariableError(
      line,
      `unknown variable {{${expression}}}: define it in this file (@${expression} = value) or in the environment${known.length ? `; known: ${known.join(', ')}` : ''}`,
    );
  }

  private systemValue(expression: string, line: number): string {
    const [name, ...args] = expression.split(/\s+/);
    switch (name) {
      case '$guid':
        return this.system.randomUUID();
      case '$timestamp':
        return String(Math.floor(this.system.now().getTime() / 1000));
      case '$datetime': {
        const format = args[0] ?? 'iso8601';
        if (format === 'iso8601') return this.system.now().toISOString();
        if (format === 'rfc1123') return this.system.now().toUTCString();
        throw new HttpVariableError(line, `{{$datetime ${format}}}: the format is iso8601 or rfc1123`);
      }
      case '$randomInt': {
        const [min, max] = args.map(Number);
        if (args.length !== 2 || !Number.isInteger(min) || !Number.isInteger(max) || min! >= max!) {
          throw new HttpVariableError(line, `{{${expression}}}: write {{$randomInt min max}} with integers min < max`);
        }
        return String(min! + Math.floor(this.system.random() * (max! - min!)));
      }
      default:
        throw new HttpVariableError(line, `unknown system variable {{${expression}}} (supported: ${SYSTEM_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`);
    }
  }
}
