/** Go to definition from a binding (`env.MY_KV`, a service-worker global) to the line of the config (or `.dev.vars`) that declares it. */
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import type { TypeCheckProject } from '../typeCheck/project.ts';
import { bindingAtPosition } from './bindingAtPosition.ts';

export function bindingDefinition(project: TypeCheckProject, fileName: string, offset: number): Location | undefined {
  const binding = bindingAtPosition(project, fileName, offset)?.binding;
  if (!binding) return undefined;
  return {
    uri: pathToFileURL(binding.file).href,
    range: { start: { line: binding.line - 1, character: binding.column - 1 }, end: { line: binding.endLine - 1, character: binding.endColumn - 1 } },
  };
}
