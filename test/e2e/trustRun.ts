// The second, short run of the E2E tier: the same workspace opened UNTRUSTED (Restricted Mode) in a fresh code-server
// (hosts/codeServer.ts `untrusted`), running only suite/trust.test.ts (WORKER_STUDIO_E2E_SUITE=trust), with its own
// UI driver. code-server only: desktop VS Code's trust prompt can't be answered headless, and CI uses code-server.
import path from 'node:path';
import { runCodeServer } from './hosts/codeServer.ts';
import type { Host } from './hosts/select.ts';
import { onCleanup } from './processes.ts';
import { log, seconds } from './report.ts';
import { startUiDriver } from './ui/driver.ts';
import { DRIVER_ENV } from './ui/wire.ts';

export interface TrustRun {
  host: Extract<Host, { kind: 'code-server' }>;
  work: string;
  workspace: string;
  nodeBin: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** The main suite's extension-host env; this run adds its suite name and its own driver. */
  env: Record<string, string>;
}

/** Resolves with the trust suite's exit code. */
export async function runTrustSuite(run: TrustRun): Promise<number> {
  const started = performance.now();
  const driver = await startUiDriver();
  onCleanup(() => driver.close());
  const env = { ...run.env, WORKER_STUDIO_E2E_SUITE: 'trust', [DRIVER_ENV]: driver.url };
  const code = await runCodeServer(
    {
      label: 'trust',
      bin: run.host.bin,
      chromium: run.host.chromium,
      folder: run.workspace,
      extensionDevelopmentPath: run.extensionDevelopmentPath,
      extensionTestsPath: run.extensionTestsPath,
      dir: path.join(run.work, 'trust'),
      env,
      untrusted: true,
      onPage: (page) => driver.attach(page),
    },
    run.nodeBin,
  );
  log(`trust suite (untrusted workspace): exit ${code} in ${seconds(started)}`);
  return code;
}
