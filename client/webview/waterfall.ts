/**
 * A request's timeline from the runtime's RequestRecord, drawn as a waterfall on one time axis: the exchange's wall
 * time with its CPU time beside it, each subrequest (waiting for its head, then its body), and waitUntil work that
 * went on after the response. Its console lines are listed with their time and source (click to open).
 */
import type { RequestRecord } from '../../common/protocol.ts';
import { formatMs, h } from './dom.ts';
import { post } from './messaging.ts';

interface Segment {
  from: number;
  to: number;
  class: string;
}

export function waterfall(record: RequestRecord): HTMLElement {
  const waitUntilEnd = record.waitUntil?.settledMs ?? 0;
  const total = Math.max(record.wallMs, waitUntilEnd, ...record.subrequests.map((s) => s.endMs ?? s.headMs), 0.1);
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;

  const row = (kind: string, label: string, segments: Segment[], value: string, title: string) => {
    const track = h('div', { class: 'wf-track' });
    for (const segment of segments) {
      const bar = h('div', { class: `wf-bar ${segment.class}` });
      // CSSOM, not a style attribute: the CSP allows no inline styles.
      bar.style.left = pct(segment.from);
      bar.style.width = `max(2px, ${pct(segment.to - segment.from)})`;
      track.appendChild(bar);
    }
    return h('div', { class: 'wf-row', 'data-kind': kind, title, role: 'listitem' }, h('span', { class: 'wf-label' }, label), track, h('span', { class: 'wf-value' }, value));
  };

  const rows: HTMLElement[] = [
    row('wall', 'Response', [{ from: 0, to: record.wallMs, class: 'wf-wall' }], `${formatMs(record.wallMs)} wall`, 'From the request’s arrival to the last byte of its response'),
  ];
  if (record.cpuMs !== undefined) {
    rows.push(row('cpu', 'CPU', [{ from: 0, to: record.cpuMs, class: 'wf-cpu' }], `${formatMs(record.cpuMs)} CPU`, 'Time the worker’s code ran (waits on timers and I/O don’t count): its length against the wall time'));
  }
  for (const sub of record.subrequests) {
    const end = sub.endMs ?? sub.headMs;
    const outcome = sub.error ? `failed: ${sub.error}` : `${sub.status ?? ''}`;
    rows.push(
      row(
        'subrequest',
        `${sub.method} ${sub.url.replace(/^https?:\/\//, '')}`,
        [
          { from: sub.startMs, to: sub.headMs, class: 'wf-wait' },
          { from: sub.headMs, to: end, class: sub.error ? 'wf-error' : 'wf-body' },
        ],
        `${outcome} · ${formatMs(end - sub.startMs)}`,
        `${sub.method} ${sub.url}: started at ${formatMs(sub.startMs)}, head at ${formatMs(sub.headMs)}${sub.endMs === undefined ? ', body still open when the request ended' : `, body done at ${formatMs(sub.endMs)}`}`,
      ),
    );
  }
  if (record.waitUntil) {
    const w = record.waitUntil;
    const settled = w.settledMs;
    rows.push(
      row(
        'waitUntil',
        `waitUntil ×${w.count}`,
        settled === undefined ? [] : [{ from: record.wallMs, to: Math.max(record.wallMs, settled), class: 'wf-waituntil' }],
        settled === undefined ? 'cut short' : `+${formatMs(Math.max(0, settled - record.wallMs))} after`,
        `${w.count} promise(s) passed to waitUntil, ${w.pendingAfterResponse} still pending when the response was sent${settled === undefined ? '; the instance went away first' : `; the last settled at ${formatMs(settled)}`}`,
      ),
    );
  }
  const ticks = h('div', { class: 'wf-axis', 'aria-hidden': 'true' }, h('span', {}, '0'), h('span', {}, formatMs(total / 2)), h('span', {}, formatMs(total)));
  const summary = [
    record.cpuMs !== undefined ? `${formatMs(record.cpuMs)} CPU of ${formatMs(record.wallMs)} wall` : `${formatMs(record.wallMs)} wall`,
    record.instance !== undefined ? `instance #${record.instance}` : undefined,
    record.subrequests.length ? `${record.subrequests.length} subrequest${record.subrequests.length === 1 ? '' : 's'}` : undefined,
    record.outcome !== 'ok' ? record.outcome : undefined,
  ].filter(Boolean);
  return h('div', { id: 'waterfall', 'data-record': record.id }, h('p', { class: 'wf-summary' }, summary.join(' · ')), h('div', { class: 'wf-rows', role: 'list' }, ...rows), ticks);
}

export function consoleLines(record: RequestRecord): HTMLElement {
  if (record.logs.length === 0) return h('p', { class: 'muted' }, 'The worker logged nothing for this request.');
  return h(
    'ol',
    { class: 'console', 'aria-label': 'Console lines' },
    ...record.logs.map((line) =>
      h(
        'li',
        { class: `log-line log-${line.level}`, 'data-level': line.level },
        h('span', { class: 'log-at' }, formatMs(line.atMs)),
        h('span', { class: 'log-message' }, line.message),
        line.location ? h('a', { class: 'log-location', href: '#', title: `Open ${line.location}`, onclick: (e: Event) => { e.preventDefault(); post({ type: 'openLocation', location: line.location! }); } }, shortLocation(line.location)) : undefined,
      ),
    ),
  );
}

const shortLocation = (location: string) => location.split(/[\\/]/).slice(-2).join('/');
