/**
 * Keys for `worker-studio dev` in a terminal (not with --rpc, where stdin is the protocol): `e` evicts every instance,
 * `r` rebuilds and reloads, `q` or Ctrl+C quits. From a pipe, lines `e` / `evict`, `r` / `reload` and `q` / `quit` do the
 * same (scripts and tests).
 */
export interface KeyActions {
  evict(): void;
  reload(): void;
  quit(): void;
}

export const KEYS_HINT = '[e] evict instances  [r] reload  [q] quit';

export function listenForKeys(input: NodeJS.ReadStream, actions: KeyActions): void {
  const act = (command: string) => {
    if (command === 'e' || command === 'evict') actions.evict();
    else if (command === 'r' || command === 'reload') actions.reload();
    else if (command === 'q' || command === 'quit' || command === '\u0003') actions.quit();
  };
  input.setEncoding('utf8');
  if (input.isTTY) {
    // Raw mode: keys arrive one by one, and Ctrl+C arrives as a character instead of SIGINT.
    input.setRawMode(true);
    input.on('data', (keys: string) => [...keys].forEach((key) => act(key.toLowerCase())));
  } else {
    let pending = '';
    input.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) act(line.trim().toLowerCase());
    });
  }
  // Reading stdin must not keep the process alive on its own.
  input.unref?.();
}
