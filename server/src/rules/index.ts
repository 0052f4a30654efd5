/**
 * The Workers lint rules, run on every JS/TS file of a worker project (diagnostics.ts). Each rule lives in its own file
 * and has a stable code; `handler-type` is separate because its result also hides the TypeScript errors it restates.
 */
import type { Rule } from './rule.ts';
import { unknownBinding } from './unknownBinding.ts';
import { nodeBuiltinWithoutCompat } from './nodeBuiltinWithoutCompat.ts';
import { serviceWorkerSyntax } from './serviceWorkerSyntax.ts';
import { floatingPromise } from './floatingPromise.ts';
import { mutableGlobalState } from './mutableGlobalState.ts';
import { requestStateInGlobal } from './requestStateInGlobal.ts';

export const RULES: readonly Rule[] = [mutableGlobalState, requestStateInGlobal, floatingPromise, unknownBinding, nodeBuiltinWithoutCompat, serviceWorkerSyntax];
