/**
 * Queues on the host: producers' messages wait in SQLite (`queues.sqlite` in the state folder) until the consumer
 * named in the config (`[[queues.consumers]]`) takes them, in batches of `max_batch_size` (default 10) once that many
 * are ready or `max_batch_timeout` seconds (default 5) after the first one is; `delaySeconds` postpones a message. The
 * consumer's verdicts (queueVerdicts in triggers.ts) decide: acknowledged messages go, retried ones come back with one
 * more attempt (after their delay, else `retry_delay`), and a message past `max_retries` (default 3) goes to the
 * `dead_letter_queue` if there is one, else is dropped — each logged. A message for a queue nobody in this sidecar
 * consumes stays stored, as in production it would wait for its consumer.
 *
 * Bodies are kept as V8 serializations of what the worker sent (structured clone: what `contentType: "v8"` carries);
 * the isolate has already reduced `json`, `text` and `bytes` bodies to their form.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { deserialize, serialize } from 'node:v8';
import type { TriggerParams, TriggerResult } from '../../../common/protocol.ts';

export interface ConsumerConfig {
  queue: string;
  maxBatchSize: number;
  maxBatchTimeoutMs: number;
  maxRetries: number;
  deadLetterQueue?: string;
  retryDelaySeconds: number;
}

export interface OutgoingMessage {
  body: unknown;
  contentType: string;
  delaySeconds?: number;
}

/** Runs a batch on the consumer (the pool's trigger). */
export type DeliverBatch = (params: Extract<TriggerParams, { event: 'queue' }>) => Promise<TriggerResult>;

/** Queues' limits: one message, a batch's count and its total size. */
const MAX_MESSAGE_BYTES = 128_000;
const MAX_BATCH_COUNT = 100;
const MAX_BATCH_BYTES = 256_000;

/** A message's size as Queues counts it: its body in its content type's encoding (`v8`: as stored). */
function messageSize({ body, contentType }: OutgoingMessage, stored: Buffer): number {
  if (contentType === 'text') return Buffer.byteLength(body as string);
  if (contentType === 'json') return Buffer.byteLength(JSON.stringify(body));
  if (contentType === 'bytes') return (body as ArrayBuffer).byteLength;
  return stored.byteLength;
}

interface Row {
  id: string;
  body: Uint8Array;
  content_type: string;
  timestamp: number;
  attempts: number;
}

export class QueueBroker {
  readonly #insert: StatementSync;
  readonly #ready: StatementSync;
  readonly #nextVisible: StatementSync;
  readonly #remove: StatementSync;
  readonly #retry: StatementSync;
  readonly #backlog: StatementSync;
  readonly #inFlight = new Set<string>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #consumers = new Map<string, ConsumerConfig>();
  #deliver: DeliverBatch | undefined;
  readonly #log: (line: string) => void;
  #closed = false;

  constructor(db: DatabaseSync, log: (line: string) => void) {
    this.#log = log;
    db.exec(`CREATE TABLE IF NOT EXISTS queue_messages (
      queue TEXT NOT NULL,
      id TEXT NOT NULL,
      body BLOB NOT NULL,
      content_type TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      visible_at INTEGER NOT NULL,
      PRIMARY KEY (queue, id)
    ) WITHOUT ROWID`);
    this.#insert = db.prepare('INSERT INTO queue_messages (queue, id, body, content_type, timestamp, attempts, visible_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#ready = db.prepare('SELECT id, body, content_type, timestamp, attempts FROM queue_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, timestamp LIMIT ?');
    this.#nextVisible = db.prepare('SELECT MIN(visible_at) AS at, COUNT(*) AS n, SUM(visible_at <= ?) AS ready FROM queue_messages WHERE queue = ?');
    this.#remove = db.prepare('DELETE FROM queue_messages WHERE queue = ? AND id = ?');
    this.#retry = db.prepare('UPDATE queue_messages SET attempts = attempts + 1, visible_at = ? WHERE queue = ? AND id = ?');
    this.#backlog = db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(LENGTH(body)), 0) AS bytes FROM queue_messages WHERE queue = ?');
  }

  /** The consumers of this sidecar's worker and how to run their batches; messages already stored are picked up. */
  configure(consumers: ConsumerConfig[], deliver: DeliverBatch): void {
    this.#consumers = new Map(consumers.map((consumer) => [consumer.queue, consumer]));
    this.#deliver = deliver;
    for (const consumer of consumers) this.#schedule(consumer.queue);
  }

  /**
   * Stores a producer's messages (durably, before the worker's send resolves), checked against Queues' limits; answers
   * what `send` resolves to: the queue's backlog.
   */
  send(queue: string, messages: OutgoingMessage[]): { metadata: { metrics: { backlogCount: number; backlogBytes: number } } } {
    const stored = messages.map((message) => serialize(message.body));
    const sizes = messages.map((message, i) => messageSize(message, stored[i]!));
    const largest = Math.max(...sizes);
    if (messages.length > MAX_BATCH_COUNT) throw new Error(`Queue sendBatch failed: batch message count of ${messages.length} exceeds limit of ${MAX_BATCH_COUNT}`);
    if (largest > MAX_MESSAGE_BYTES) throw new Error(`Queue send failed: message length of ${largest} bytes exceeds limit of ${MAX_MESSAGE_BYTES}`);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total > MAX_BATCH_BYTES) throw new Error(`Queue sendBatch failed: batch size of ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    const now = Date.now();
    messages.forEach((message, i) => {
      this.#insert.run(queue, randomUUID().replaceAll('-', ''), stored[i]!, message.contentType, now, 0, now + (message.delaySeconds ?? 0) * 1000);
    });
    this.#schedule(queue);
    const backlog = this.#backlog.get(queue) as { count: number; bytes: number };
    return { metadata: { metrics: { backlogCount: backlog.count, backlogBytes: backlog.bytes } } };
  }

  /** Sets a timer for the next batch of `queue`: now when a full batch is ready, else when the timeout or a delay ends. */
  #schedule(queue: string): void {
    const consumer = this.#consumers.get(queue);
    if (!consumer || this.#closed || this.#timers.has(queue) || this.#inFlight.has(queue)) return;
    const now = Date.now();
    const { at, n, ready } = this.#nextVisible.get(now, queue) as { at: number | null; n: number; ready: number | null };
    if (at === null || n === 0) return;
    const readyNow = ready ?? 0;
    const wait = readyNow >= consumer.maxBatchSize ? 0 : Math.max(0, at - now) + (readyNow > 0 ? consumer.maxBatchTimeoutMs : 0);
    const timer = setTimeout(() => {
      this.#timers.delete(queue);
      void this.#flush(consumer);
    }, wait);
    timer.unref();
    this.#timers.set(queue, timer);
  }

  async #flush(consumer: ConsumerConfig): Promise<void> {
    const rows = this.#ready.all(consumer.queue, Date.now(), consumer.maxBatchSize) as unknown as Row[];
    if (rows.length === 0 || !this.#deliver) return this.#schedule(consumer.queue);
    this.#inFlight.add(consumer.queue);
    let result: TriggerResult | undefined;
    try {
      result = await this.#deliver({
        event: 'queue',
        queue: consumer.queue,
        messages: rows.map((row) => ({ id: row.id, body: deserialize(row.body), timestamp: row.timestamp, attempts: row.attempts + 1 })),
      });
    } catch (err) {
      this.#log(`✉ queue ${consumer.queue}: the batch could not be delivered (${err instanceof Error ? err.message : String(err)}); its messages will be retried`);
    } finally {
      this.#inFlight.delete(consumer.queue);
    }
    if (this.#closed) return;
    const acked = new Set(result?.acked ?? []);
    // No answer at all (the delivery failed): every message is retried.
    const retries: { id: string; delaySeconds?: number }[] = result?.retried ?? rows.map((row) => ({ id: row.id }));
    const retried = new Map(retries.map((entry) => [entry.id, entry.delaySeconds]));
    for (const row of rows) {
      if (acked.has(row.id) || !retried.has(row.id)) {
        this.#remove.run(consumer.queue, row.id);
      } else if (row.attempts + 1 > consumer.maxRetries) {
        this.#remove.run(consumer.queue, row.id);
        if (consumer.deadLetterQueue) {
          this.#insert.run(consumer.deadLetterQueue, row.id, row.body, row.content_type, row.timestamp, 0, Date.now());
          this.#log(`✉ queue ${consumer.queue}: message ${row.id} failed ${row.attempts + 1} times; moved to ${consumer.deadLetterQueue}`);
          this.#schedule(consumer.deadLetterQueue);
        } else {
          this.#log(`✉ queue ${consumer.queue}: message ${row.id} failed ${row.attempts + 1} times (max_retries ${consumer.maxRetries}); dropped`);
        }
      } else {
        const delay = retried.get(row.id) ?? consumer.retryDelaySeconds;
        this.#retry.run(Date.now() + delay * 1000, consumer.queue, row.id);
      }
    }
    this.#schedule(consumer.queue);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
