/** Reports an exception nobody can catch (a throwing event listener), as workerd does: to the console, as an error. */
export function reportError(err: unknown): void {
  const console = (globalThis as { console?: { error(...args: unknown[]): void } }).console;
  console?.error(err instanceof Error ? `Uncaught ${err.stack ?? `${err.name}: ${err.message}`}` : 'Uncaught', err instanceof Error ? '' : err);
}
