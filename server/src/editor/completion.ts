/**
 * Completion of `env.` members: TypeScript's own completions at that place (the members of Env), each binding's item
 * given its kind, type and place of declaration. Where `env` has no type (a JavaScript handler's parameter is `any`)
 * the declared bindings are offered directly. Elsewhere nothing: the editor's TypeScript support completes the rest.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { CompletionItemKind, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import { BINDING_KIND_LABELS, type BindingDeclaration } from '../../../common/bindings.ts';
import type { TypeCheckProject } from '../typeCheck/project.ts';
import { declaredIn, innermostAt, looksLikeEnv } from './bindingAtPosition.ts';

export function envCompletions(project: TypeCheckProject, fileName: string, offset: number): CompletionItem[] | undefined {
  const bindings = project.bindings();
  if (!bindings) return undefined;
  const file = path.resolve(fileName);
  const program = project.program();
  const sourceFile = program.getSourceFile(file);
  if (!sourceFile) return undefined;
  const access = memberAccessAt(sourceFile, offset);
  if (!access) return undefined;
  const checker = program.getTypeChecker();
  const receiver = checker.getTypeAtLocation(access.expression);
  const envTyped = receiver.getProperties().some((p) => declaredIn(p, project.envFile));
  const untyped = (receiver.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  if (!envTyped && !looksLikeEnv(access.expression)) return undefined;

  const byName = new Map(bindings.map((b) => [b.name, b]));
  const items: CompletionItem[] = [];
  const offered = new Set<string>();
  if (!untyped) {
    const completions = project.service.getCompletionsAtPosition(file, offset, { includeCompletionsWithInsertText: true });
    for (const entry of completions?.entries ?? []) {
      items.push(fromEntry(entry, byName.get(entry.name), project, sourceFile));
      offered.add(entry.name);
    }
  }
  for (const binding of bindings) {
    if (untyped && !offered.has(binding.name)) items.push(bindingItem(binding, project, { label: binding.name, kind: CompletionItemKind.Field }));
  }
  return items;
}

/** The property access whose member name is being typed at `offset` (`env.|`, `env.MY_|`). */
function memberAccessAt(sourceFile: ts.SourceFile, offset: number): ts.PropertyAccessExpression | undefined {
  for (let node = offset > 0 ? innermostAt(sourceFile, offset - 1) : undefined; node; node = node.parent) {
    if (ts.isPropertyAccessExpression(node)) return offset > node.expression.getEnd() ? node : undefined;
    if (ts.isStatement(node) || ts.isSourceFile(node)) return undefined;
  }
  return undefined;
}

function fromEntry(entry: ts.CompletionEntry, binding: BindingDeclaration | undefined, project: TypeCheckProject, sourceFile: ts.SourceFile): CompletionItem {
  const item: CompletionItem = { label: entry.name, kind: KINDS[entry.kind] ?? CompletionItemKind.Property, sortText: entry.sortText };
  if (entry.insertText !== undefined) item.insertText = entry.insertText;
  if (entry.replacementSpan) {
    const start = sourceFile.getLineAndCharacterOfPosition(entry.replacementSpan.start);
    const end = sourceFile.getLineAndCharacterOfPosition(entry.replacementSpan.start + entry.replacementSpan.length);
    item.textEdit = { range: { start, end }, newText: entry.insertText ?? entry.name };
  }
  return binding ? bindingItem(binding, project, item) : item;
}

function bindingItem(binding: BindingDeclaration, project: TypeCheckProject, item: CompletionItem): CompletionItem {
  const where = `${path.relative(project.root, binding.file) || path.basename(binding.file)}:${binding.line}`;
  const link = `${pathToFileURL(binding.file).href}#L${binding.line},${binding.column}`;
  return {
    ...item,
    detail: `${BINDING_KIND_LABELS[binding.kind]}: ${binding.type}`,
    documentation: { kind: MarkupKind.Markdown, value: `Declared at [${where}](${link})${binding.environment === undefined ? '' : ` in \`[env.${binding.environment}]\``}` },
  };
}

const KINDS: Partial<Record<string, CompletionItemKind>> = {
  [ts.ScriptElementKind.memberVariableElement]: CompletionItemKind.Field,
  [ts.ScriptElementKind.memberFunctionElement]: CompletionItemKind.Method,
  [ts.ScriptElementKind.memberGetAccessorElement]: CompletionItemKind.Property,
  [ts.ScriptElementKind.memberSetAccessorElement]: CompletionItemKind.Property,
  [ts.ScriptElementKind.functionElement]: CompletionItemKind.Function,
  [ts.ScriptElementKind.variableElement]: CompletionItemKind.Variable,
  [ts.ScriptElementKind.constElement]: CompletionItemKind.Constant,
};
