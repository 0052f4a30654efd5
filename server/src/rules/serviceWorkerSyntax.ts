/**
 * Rule `service-worker-syntax` (information): the entry registers its handlers with `addEventListener('fetch', …)`
 * (or 'scheduled'), the service-worker syntax, instead of exporting them (`export default { fetch }`). One diagnostic
 * on each such `addEventListener`, with a quick fix that rewrites the script in module syntax when its shape allows
 * (moduleSyntaxRewrite.ts says which shapes; otherwise the diagnostic comes without a fix).
 */
import path from 'node:path';
import ts from 'typescript';
import { rewriteToModuleSyntax } from './moduleSyntaxRewrite.ts';
import type { QuickFix, Rule } from './rule.ts';
import { hasDefaultExport, topLevelListeners } from './scriptShape.ts';

export const SERVICE_WORKER_SYNTAX = 'service-worker-syntax';

export const serviceWorkerSyntax: Rule = (context) => {
  const { sourceFile } = context;
  if (!context.isEntry || hasDefaultExport(sourceFile)) return [];
  const listeners = topLevelListeners(sourceFile).filter((l) => l.type === 'fetch' || l.type === 'scheduled');
  if (listeners.length === 0) return [];
  const edits = rewriteToModuleSyntax(sourceFile, context.checker, new Set(context.bindings?.map((b) => b.name) ?? []));
  const fixes: QuickFix[] = edits ? [{ title: `Rewrite ${path.basename(sourceFile.fileName)} in module syntax (export default { fetch(request, env, ctx) })`, edits: edits.map((e) => ({ file: sourceFile.fileName, ...e })) }] : [];
  return listeners.map((listener) => {
    const start = listener.callee.getStart(sourceFile);
    return {
      code: SERVICE_WORKER_SYNTAX,
      start,
      length: listener.callee.getEnd() - start,
      message:
        `addEventListener('${listener.type}', …) is the service-worker syntax, which Cloudflare has deprecated for module syntax (export default { ${listener.type} }). ` +
        'In production a service worker runs slower (the runtime sets up a fresh context for its global bindings on every request) and cannot use Durable Objects, D1, Workers AI, Vectorize or Workflows.',
      category: ts.DiagnosticCategory.Message,
      ...(fixes.length > 0 ? { fixes } : {}),
    };
  });
};
