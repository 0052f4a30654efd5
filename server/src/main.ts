/**
 * dist/server.cjs: the language server and the `check` command.
 * - Required by the CLI (cli/main.ts): `startLanguageServer()` for `worker-studio lsp --stdio`, `runCheck(args)` for `check`,
 *   `runTypes(args)` for `types`.
 * - Run as the main module by the VS Code client (`--node-ipc` or `--stdio`): starts the server itself.
 */
import { createServerConnection, listen } from './connection.ts';

export { runCheck } from './check.ts';
export { runTypes } from './typesCommand.ts';

export function startLanguageServer(): void {
  listen(createServerConnection());
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) startLanguageServer();
