/**
 * The request panel's request (PanelRequest, common/protocol.ts) to and from what else speaks HTTP: SendRequest's
 * params (with `{{name}}` variables substituted), cURL commands, and the requests other features hand the panel.
 * Pure: the caller reads files and the clipboard.
 */
import { shellQuote, toCurl, type CurlRequest } from './curl.ts';
import type { PanelBody, PanelField, PanelRequest, SendRequestParams } from './protocol.ts';

/** `{{name}}` (spaces allowed inside the braces). */
const VARIABLE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export class MissingVariablesError extends Error {
  readonly names: string[];
  constructor(names: string[], defined: string[]) {
    super(
      `no value for ${names.map((n) => `{{${n}}}`).join(', ')}: ${defined.length ? `the environment defines ${defined.join(', ')}` : 'no variables are defined'} (pick an environment, or edit them)`,
    );
    this.names = names;
  }
}

/** Replaces every `{{name}}` of `text` with its value; names without one are added to `missing`. */
export function substitute(text: string, variables: Record<string, string>, missing: Set<string>): string {
  return text.replace(VARIABLE, (whole, name: string) => {
    if (Object.hasOwn(variables, name)) return variables[name]!;
    missing.add(name);
    return whole;
  });
}

/**
 * An environment's variables from a `{ "$shared": {...}, "<name>": {...} }` map (the REST Client layout): the shared
 * ones, overridden by the named environment's. Values that are not strings are written as JSON.
 */
export function environmentVariables(environments: Record<string, unknown>, name: string | undefined): Record<string, string> {
  const pick = (key: string | undefined): Record<string, string> => {
    const section = key === undefined ? undefined : environments[key];
    if (!section || typeof section !== 'object') return {};
    return Object.fromEntries(Object.entries(section).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  };
  return { ...pick('$shared'), ...pick(name) };
}

/** The environment names a user picks from (`$shared` is merged into each, not picked). */
export function environmentNames(environments: Record<string, unknown>): string[] {
  return Object.keys(environments).filter((name) => name !== '$shared');
}

const enabled = (fields: PanelField[]) => fields.filter((f) => f.enabled && f.name.trim() !== '');

/** `a=1&b=x%20y` from form fields. */
export function formUrlencoded(fields: PanelField[]): string {
  return enabled(fields)
    .map((f) => `${encodeURIComponent(f.name)}=${encodeURIComponent(f.value)}`)
    .join('&');
}

/** The content type a body kind implies, when the headers don't give one. */
function impliedContentType(body: PanelBody): string | undefined {
  switch (body.kind) {
    case 'json': return 'application/json';
    case 'text': return 'text/plain; charset=utf-8';
    case 'form': return 'application/x-www-form-urlencoded';
    case 'file': return 'application/octet-stream';
    case 'none': return undefined;
  }
}

/**
 * SendRequest's params for a panel request, variables substituted everywhere. A file body is left for the caller to
 * read (`file` is its path, substituted too). Throws MissingVariablesError naming every variable without a value.
 */
export function toSendParams(request: PanelRequest, variables: Record<string, string>): { params: SendRequestParams; file?: string } {
  const missing = new Set<string>();
  const sub = (text: string) => substitute(text, variables, missing);
  const headers: Record<string, string> = {};
  for (const field of enabled(request.headers)) headers[sub(field.name.trim())] = sub(field.value);
  const params: SendRequestParams = { method: request.method.trim().toUpperCase() || 'GET', path: sub(request.path.trim()) || '/', headers };
  const body = request.body;
  let file: string | undefined;
  if (body.kind === 'json' || body.kind === 'text') params.body = sub(body.text);
  else if (body.kind === 'form') params.body = formUrlencoded(body.fields.map((f) => ({ ...f, name: sub(f.name), value: sub(f.value) })));
  else if (body.kind === 'file') file = sub(body.path);
  const type = impliedContentType(body);
  if (type && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = type;
  if (missing.size > 0) throw new MissingVariablesError([...missing], Object.keys(variables));
  return file === undefined ? { params } : { params, file };
}

/** A panel request from SendRequest's params (a request another feature sent, such as a .http file's). */
export function fromSendParams(params: SendRequestParams): PanelRequest {
  const headers = Object.entries(params.headers ?? {}).map(([name, value]) => ({ name, value, enabled: true }));
  const contentType = Object.entries(params.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  let body: PanelBody = { kind: 'none' };
  if (params.body !== undefined && params.bodyEncoding !== 'base64') body = { kind: /\bjson\b/i.test(contentType) ? 'json' : 'text', text: params.body };
  return { method: params.method.toUpperCase(), path: params.path, headers, body };
}

/**
 * A panel request from a parsed cURL command: its URL's path and query (the panel sends to the running worker, so the
 * host is dropped), headers, and a body as JSON, form fields or text by its content type.
 */
export function fromCurl(curl: CurlRequest): PanelRequest {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(curl.url) ? curl.url : `http://${curl.url}`;
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    throw new Error(`the URL ${curl.url} is not valid`);
  }
  const headers = curl.headers.map(([name, value]) => ({ name, value, enabled: true }));
  const contentType = curl.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  let body: PanelBody = { kind: 'none' };
  if (curl.body?.kind === 'multipart') {
    throw new Error('this command sends a multipart form (-F): the panel sends forms as application/x-www-form-urlencoded (-d), or a file as the body');
  } else if (curl.body) {
    const text = curl.body.text;
    if (/\bjson\b/i.test(contentType)) body = { kind: 'json', text };
    else if (/application\/x-www-form-urlencoded/i.test(contentType)) body = { kind: 'form', fields: [...new URLSearchParams(text)].map(([name, value]) => ({ name, value, enabled: true })) };
    else body = { kind: 'text', text };
  }
  return { method: curl.method, path: url.pathname + url.search, headers, body };
}

/** The request as a cURL command against `baseUrl` (the worker), from SendRequest's params. A file body becomes --data-binary @file. */
export function curlOf(params: SendRequestParams, baseUrl: string, file?: string): string {
  const command = toCurl({
    method: params.method,
    url: new URL(params.path, baseUrl).toString(),
    headers: Object.entries(params.headers ?? {}),
    ...(params.body !== undefined && params.bodyEncoding !== 'base64' ? { body: params.body } : {}),
  });
  // -X stays explicit here: toCurl saw no body, and --data-binary alone would make curl send POST.
  return file === undefined ? command : `${command} --data-binary ${shellQuote(`@${file}`)}`;
}
