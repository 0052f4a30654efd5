/**
 * The request panel's HTML shell: a strict Content Security Policy with a fresh random nonce per load, the bundled
 * script and stylesheet from dist/ (nothing remote). The webview builds everything else (client/webview/).
 * `img-src data:` shows image responses; `frame-src` allows only the sandboxed srcdoc preview of HTML responses.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function panelHtml(webview: vscode.Webview, distUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(distUri, file)).toString();
  const csp = [
    `default-src 'none'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `img-src data:`,
    `frame-src 'self'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset('webview.css')}">
</head>
<body>
<main id="panel" aria-label="Worker Studio request panel"></main>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}
