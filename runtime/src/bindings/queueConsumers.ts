/**
 * The `[[queues.consumers]]` of the worker's config (of the selected `[env.<name>]`, which does not inherit them), with
 * wrangler's defaults: max_batch_size 10, max_batch_timeout 5 s, max_retries 3, retry_delay 0.
 */
import { environmentSections, type WorkerProject } from '../../../common/workerProject.ts';
import type { ConsumerConfig } from './queueBroker.ts';

export function queueConsumers(project: WorkerProject): ConsumerConfig[] {
  const raw = project.config?.raw;
  if (!raw) return [];
  const section = project.environment === undefined ? raw : environmentSections(raw).get(project.environment);
  const consumers = (section?.queues as { consumers?: unknown } | undefined)?.consumers;
  if (!Array.isArray(consumers)) return [];
  const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);
  return consumers.flatMap((entry: Record<string, unknown>): ConsumerConfig[] => {
    if (typeof entry?.queue !== 'string') return [];
    return [
      {
        queue: entry.queue,
        maxBatchSize: Math.max(1, Math.min(100, number(entry.max_batch_size, 10))),
        maxBatchTimeoutMs: number(entry.max_batch_timeout, 5) * 1000,
        maxRetries: number(entry.max_retries, 3),
        ...(typeof entry.dead_letter_queue === 'string' ? { deadLetterQueue: entry.dead_letter_queue } : {}),
        retryDelaySeconds: number(entry.retry_delay, 0),
      },
    ];
  });
}
