/**
 * The one-line summary of a finished request, as the CLI prints it and the extension's log shows it:
 * `GET /path?q 200 0.4ms cpu 1.2ms wall #2`, then, when there is something to say,
 * ` · 2 subrequests · waitUntil 120ms` (when its last waitUntil promise settled) ` · canceled`.
 */
import type { RequestRecord } from './protocol.ts';

export function requestLine(record: RequestRecord): string {
  const cpu = record.cpuMs === undefined ? '' : ` ${record.cpuMs}ms cpu`;
  const instance = record.instance === undefined ? '' : ` #${record.instance}`;
  const extras: string[] = [];
  const fetches = record.subrequests.length;
  if (fetches) extras.push(`${fetches} subrequest${fetches === 1 ? '' : 's'}`);
  if (record.waitUntil) extras.push(`waitUntil ${record.waitUntil.settledMs === undefined ? 'cut short' : `${record.waitUntil.settledMs}ms`}`);
  if (record.outcome === 'canceled') extras.push('canceled');
  const more = extras.map((extra) => ` · ${extra}`).join('');
  return `${record.method} ${record.url} ${record.status}${cpu} ${record.wallMs}ms wall${instance}${more}`;
}
