/**
 * What the language server's CLI commands (`check`, `types`) share: where output goes, `--help`, and a usage error
 * (exit 2) for arguments their parser refuses; then the command runs with its parsed arguments.
 */

export interface CommandIo {
  cwd?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

export interface Command<Parsed> {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  parsed: Parsed;
}

/** The command, ready to run; or the exit code when it is already done (help printed: 0, a usage error: 2). */
export function startCommand<Parsed>(name: string, usage: string, args: string[], io: CommandIo, parse: (args: string[]) => Parsed | string): Command<Parsed> | number {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));
  if (args.includes('--help') || args.includes('-h')) {
    out(`${usage}\n`);
    return 0;
  }
  const parsed = parse(args);
  if (typeof parsed === 'string') {
    err(`worker-studio ${name}: ${parsed}\n${usage}\n`);
    return 2;
  }
  return { out, err, cwd: io.cwd ?? process.cwd(), parsed };
}
