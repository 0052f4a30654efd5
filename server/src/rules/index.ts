/**
 * The Workers lint rules, run on every JS/TS file of a worker project (diagnostics.ts). Each rule lives in its own file
 * and has a stable code; `handler-type` is separate because its result also hides the TypeScript errors it restates.
 */
import type { Rule } from './rule.ts';

export const RULES: readonly Rule[] = [];
