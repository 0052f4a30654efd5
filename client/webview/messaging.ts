/** The webview's link to the extension: typed messages only (common/protocol.ts), and the page's saved draft. */
import type { PanelToExtension } from '../../common/protocol.ts';

interface VsCodeApi {
  postMessage(message: PanelToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export const post = (message: PanelToExtension) => api.postMessage(message);
export const savedDraft = <T>() => api.getState() as T | undefined;
export const saveDraft = (state: unknown) => api.setState(state);
