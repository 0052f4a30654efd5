/** Starts the Worker Studio language server (dist/server.cjs) over IPC for the workspace's JS/TS files. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Log } from './log.ts';

export async function startLanguageClient(distDir: string, log: Log): Promise<LanguageClient> {
  const module = vscode.Uri.joinPath(vscode.Uri.file(distDir), 'server.cjs').fsPath;
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=127.0.0.1:6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...['typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ scheme: 'file', language })),
      // The config and the local secrets, whatever language they open as: the server reads their unsaved text (Env
      // follows edits live) and reports problems in the config itself.
      { scheme: 'file', pattern: '**/{wrangler.toml,wrangler.json,wrangler.jsonc,.dev.vars,.dev.vars.*,.env,.env.*}' },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{wrangler.toml,wrangler.json,wrangler.jsonc,tsconfig.json,.dev.vars,.dev.vars.*,.env,.env.*}'),
    },
    outputChannel: log,
  };
  const client = new LanguageClient('workerStudio', 'Worker Studio Language Server', serverOptions, clientOptions);
  await client.start();
  return client;
}
