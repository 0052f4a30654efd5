/**
 * Wires the LSP connection to WorkerLanguageServer's methods; no logic here.
 */
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { bundledAssets, type TypeCheckAssets } from './typeCheck/assets.ts';
import { WorkerLanguageServer } from './workerLanguageServer.ts';

const TRANSPORT_FLAGS = ['--stdio', '--node-ipc', '--socket', '--pipe'];

/** A connection over the transport named in argv (as vscode-languageclient passes it), stdio by default. */
export function createServerConnection(): Connection {
  const explicit = process.argv.some((arg) => TRANSPORT_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  return explicit ? createConnection(ProposedFeatures.all) : createConnection(ProposedFeatures.all, process.stdin, process.stdout);
}

export function listen(connection: Connection, assets: TypeCheckAssets = bundledAssets()): WorkerLanguageServer {
  const server = new WorkerLanguageServer(
    {
      publishDiagnostics: (uri, diagnostics, version) => void connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, diagnostics, version }),
      log: (message) => connection.console.log(message),
    },
    assets,
  );
  connection.onInitialize(server.initialize.bind(server));
  connection.onShutdown(server.shutdown.bind(server));
  connection.onDidChangeWatchedFiles(server.didChangeWatchedFiles.bind(server));
  connection.onHover(server.hover.bind(server));
  connection.onCompletion(server.completion.bind(server));
  connection.onDefinition(server.definition.bind(server));
  connection.onCodeAction(server.codeAction.bind(server));
  server.documents.onDidChangeContent(server.didChangeContent.bind(server));
  server.documents.onDidClose(server.didClose.bind(server));
  server.documents.listen(connection);
  connection.listen();
  return server;
}
