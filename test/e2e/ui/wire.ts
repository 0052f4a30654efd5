// What crosses the UI-driver channel between the E2E suite (extension host, suite/ui.ts) and the runner (driver.ts):
// `POST /run` with a UiRequest answers a UiAnswer. Plain JSON, so both ends import these types only.

/** The env var that gives the extension host the driver's base URL (`http://127.0.0.1:PORT`); absent: no driver. */
export const DRIVER_ENV = 'WORKER_STUDIO_E2E_DRIVER';
/** Set instead of DRIVER_ENV when the host cannot be driven: why (shown in the failure of a test that needs the driver). */
export const DRIVER_ABSENT_ENV = 'WORKER_STUDIO_E2E_DRIVER_ABSENT';

/** What finds the request panel's webview among the workbench's frames (scenarios' `webview` argument). */
export const PANEL = 'form#request';

export interface UiRequest {
  scenario: string;
  args: Record<string, unknown>;
  /** How long the scenario may take before it is abandoned with what it saw; default 30 s. */
  timeoutMs?: number;
}

export type UiAnswer =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error: string;
      /** The step the scenario was at when it failed. */
      step: string;
      /** What the page showed then (frames, texts the scenario chose to report). */
      seen: string;
    };
