// Which host runs the tier: WORKER_STUDIO_E2E_HOST=auto|electron|code-server (default auto: electron first, with a
// short download timeout, then code-server). A host named explicitly must work; auto may find none.
import { existsSync } from 'node:fs';
import { Failure, log } from '../report.ts';
import { findCodeServer } from './codeServer.ts';
import { findElectron } from './electron.ts';

export type Host = { kind: 'electron'; executable: string } | { kind: 'code-server'; bin: string; chromium: string };

export async function selectHost(): Promise<Host | { kind: 'none'; reason: string }> {
  const wanted = process.env.WORKER_STUDIO_E2E_HOST ?? 'auto';
  if (!['auto', 'electron', 'code-server'].includes(wanted)) {
    throw new Failure(`WORKER_STUDIO_E2E_HOST=${wanted}: expected auto, electron or code-server`);
  }
  let electronReason = '';
  if (wanted !== 'code-server') {
    const electron = await findElectron(wanted === 'electron');
    if ('executable' in electron) return { kind: 'electron', executable: electron.executable };
    if (wanted === 'electron') throw new Failure(`electron host unavailable: ${electron.reason}`);
    electronReason = electron.reason;
    log(`electron host unavailable (${electron.reason}); using code-server`);
  }
  const codeServer = findCodeServer();
  let reason: string;
  if ('bin' in codeServer) {
    const chromium = process.env.WORKER_STUDIO_CHROMIUM ?? '/usr/bin/chromium';
    if (existsSync(chromium)) return { kind: 'code-server', bin: codeServer.bin, chromium };
    reason = `no Chromium at ${chromium} (scripts/provision.sh e2e installs it; or set WORKER_STUDIO_CHROMIUM)`;
  } else {
    reason = codeServer.reason;
  }
  if (wanted === 'code-server') throw new Failure(`code-server host unavailable: ${reason}`);
  return { kind: 'none', reason: `electron: ${electronReason}; code-server: ${reason}` };
}
