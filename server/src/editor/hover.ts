/**
 * Hover on a binding (`env.MY_KV`, or a service-worker global): its kind, its type, and where it is declared, as a link
 * to the config's line (or `.dev.vars`' for a secret). Secret values are never shown.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { BINDING_KIND_LABELS } from '../../../common/bindings.ts';
import type { TypeCheckProject } from '../typeCheck/project.ts';
import { bindingAtPosition } from './bindingAtPosition.ts';

export function bindingHover(project: TypeCheckProject, fileName: string, offset: number): Hover | undefined {
  const reference = bindingAtPosition(project, fileName, offset);
  if (!reference) return undefined;
  const { binding, node, sourceFile } = reference;
  const where = `${path.relative(project.root, binding.file) || path.basename(binding.file)}:${binding.line}`;
  const link = `${pathToFileURL(binding.file).href}#L${binding.line},${binding.column}`;
  const scope = binding.environment === undefined ? '' : ` in \`[env.${binding.environment}]\``;
  const value = [
    '```ts',
    `(binding) ${reference.global ? '' : 'env.'}${binding.name}: ${reference.typeText}`,
    '```',
    `${BINDING_KIND_LABELS[binding.kind]}, declared at [${where}](${link})${scope}`,
  ].join('\n');
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd());
  return { contents: { kind: MarkupKind.Markdown, value }, range: { start, end } };
}
