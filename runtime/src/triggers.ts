/**
 * Events other than fetch: turning a Trigger (control channel) or a test URL into the wire event the isolate runs, and
 * its EventResult into what the caller is told. Production fires cron triggers on a schedule and queue batches from
 * the queue; locally the editor's trigger buttons, the control channel and these URLs fire them:
 * - `/cdn-cgi/handler/scheduled?cron=…&time=…` (always: `/cdn-cgi/` never reaches a worker in production), as Miniflare;
 * - `/__scheduled?cron=…` with `--test-scheduled`, as `wrangler dev --test-scheduled`.
 */
import { randomUUID } from 'node:crypto';
import type { TriggerParams, TriggerResult } from '../../common/protocol.ts';
import type { EventResult, WireEvent, WireResponse } from '../isolate/wire.ts';

/** The test URL's event, or undefined when the path is not a trigger URL (the request goes to the worker). */
export function scheduledTestRoute(url: URL, testScheduled: boolean): TriggerParams | undefined {
  if (url.pathname !== '/cdn-cgi/handler/scheduled' && !(testScheduled && url.pathname === '/__scheduled')) return undefined;
  const time = Number(url.searchParams.get('time'));
  return { event: 'scheduled', cron: url.searchParams.get('cron') ?? '', ...(url.searchParams.has('time') && Number.isFinite(time) ? { scheduledTime: time } : {}) };
}

/** Fills in the defaults a Trigger leaves out. */
export function toWireEvent(params: TriggerParams, now = Date.now()): WireEvent {
  if (params.event === 'scheduled') return { type: 'scheduled', cron: params.cron ?? '', scheduledTime: params.scheduledTime ?? now };
  if (typeof params.queue !== 'string' || !Array.isArray(params.messages)) throw new TypeError('a queue trigger needs `queue` (a name) and `messages` (an array)');
  return {
    type: 'queue',
    queue: params.queue,
    messages: params.messages.map((message) => ({ id: message.id ?? randomUUID(), body: message.body, timestamp: message.timestamp ?? now, attempts: message.attempts ?? 1 })),
  };
}

/**
 * What happens to each message of a batch, as Queues decides it: a message's own ack()/retry() wins over the batch's
 * ackAll()/retryAll(); without either, the batch is acknowledged when the handler succeeds and retried when it threw.
 */
function queueVerdicts(event: Extract<WireEvent, { type: 'queue' }>, result: EventResult): Pick<TriggerResult, 'acked' | 'retried'> {
  const decided = result.queue;
  const acked: string[] = [];
  const retried: { id: string; delaySeconds?: number }[] = [];
  for (const { id } of event.messages) {
    const retry = decided?.retries.find((entry) => entry.id === id);
    if (retry) retried.push(retry);
    else if (decided?.acks.includes(id)) acked.push(id);
    else if (decided?.retryAll) retried.push({ id, ...decided.retryAll });
    else if (decided?.ackAll || result.outcome === 'ok') acked.push(id);
    else retried.push({ id });
  }
  return { acked, retried };
}

/** The caller's view of an event's result; `mapStack` source-maps the exception. */
export function triggerResult(event: WireEvent, result: EventResult, wallMs: number, mapStack: (text: string) => string): TriggerResult {
  return {
    outcome: result.outcome,
    ...(result.error ? { error: mapStack(result.error.stack) } : {}),
    ...(result.noRetry ? { noRetry: true } : {}),
    ...(event.type === 'queue' ? queueVerdicts(event, result) : {}),
    wallMs,
  };
}

/** The test URL's answer, as Miniflare gives it: the outcome as text, 200 when `ok`, 500 otherwise. */
export function triggerResponse(result: TriggerResult): WireResponse {
  return {
    status: result.outcome === 'ok' ? 200 : 500,
    statusText: result.outcome === 'ok' ? 'OK' : 'Internal Server Error',
    headers: [['content-type', 'text/plain; charset=utf-8'], ['cache-control', 'no-store']],
    body: new TextEncoder().encode(result.outcome),
  };
}

/** One line for the log: `⏰ scheduled "0 * * * *" ok 3.1ms` / `✉ queue my-queue (3 messages) exception 2ms`. */
export function triggerLine(event: WireEvent, result: TriggerResult): string {
  const what = event.type === 'scheduled' ? `⏰ scheduled ${JSON.stringify(event.cron)}` : `✉ queue ${event.queue} (${event.messages.length} message${event.messages.length === 1 ? '' : 's'})`;
  return `${what} ${result.outcome} ${result.wallMs}ms`;
}
