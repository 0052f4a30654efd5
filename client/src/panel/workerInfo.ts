/** What the request panel shows of the worker it sends to: its URL, the events it can fire, the config's crons. */
import type { PanelWorker, ReadyParams } from '../../../common/protocol.ts';
import { readConfig } from '../../../common/workerProject.ts';

export function panelWorker(info: ReadyParams): PanelWorker {
  return { url: info.url, handlers: info.handlers, crons: info.config ? configCrons(info.config) : [] };
}

/** `[triggers] crons = [...]` of the config (the top level's: wrangler's environments may override, the panel offers these). */
function configCrons(configPath: string): string[] {
  try {
    const triggers = readConfig(configPath).raw.triggers as { crons?: unknown } | undefined;
    return Array.isArray(triggers?.crons) ? triggers.crons.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return []; // a config with errors: its diagnostics say so; the panel still offers a cron field
  }
}
