/**
 * `WORKER_STUDIO_CDP_LOG=FILE`: every DevTools-protocol message between a debugger and the relay, and what V8 sent
 * the relay, appended to FILE (for chasing debugger bugs: what js-debug asked, what it was told). Off by default.
 */
import { appendFileSync } from 'node:fs';

export type CdpDirection = 'client→' | '←client' | 'v8→';

export function cdpTrafficLog(env: NodeJS.ProcessEnv = process.env): ((connection: number, direction: CdpDirection, text: string) => void) | undefined {
  const file = env.WORKER_STUDIO_CDP_LOG;
  if (!file) return undefined;
  const started = performance.now();
  return (connection, direction, text) => {
    appendFileSync(file, `${(performance.now() - started).toFixed(1).padStart(9)} #${connection} ${direction} ${text}\n`);
  };
}
