/**
 * Where the sidecar's output goes. Human mode: `Ready on …`, worker console output and one line per request on
 * stdout; problems on stderr. RPC mode: the same events as JSON-RPC notifications, human lines on stderr only
 * (stdout belongs to the protocol).
 */
import type { BuildErrorParams, LogLevel, ReadyParams, RequestRecord } from '../../common/protocol.ts';
import type { WireLogLevel } from '../isolate/wire.ts';
import type { ControlChannel } from './controlChannel.ts';

export class Reporter {
  readonly #channel: ControlChannel | undefined;

  constructor(channel?: ControlChannel) {
    this.#channel = channel;
  }

  #out(line: string): void {
    (this.#channel ? process.stderr : process.stdout).write(line + '\n');
  }

  /** Notes for the user (e.g. the debugger address): always stderr, never in the protocol's way. */
  note(line: string): void {
    process.stderr.write(line + '\n');
  }

  ready(params: ReadyParams): void {
    this.#out(`Ready on ${params.url}`);
    void this.#channel?.ready(params);
  }

  workerLog(level: WireLogLevel, message: string): void {
    if (this.#channel) {
      const protocolLevel: LogLevel = level === 'log' ? 'info' : level;
      void this.#channel.log({ level: protocolLevel, message });
    } else {
      (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(message + '\n');
    }
  }

  /** `GET /path?q 200 1.2ms` */
  request(record: RequestRecord): void {
    this.#out(`${record.method} ${record.url} ${record.status} ${record.wallMs}ms`);
    void this.#channel?.requestCompleted(record);
  }

  /** A worker exception while handling a request. */
  workerError(text: string): void {
    this.note(text);
    void this.#channel?.log({ level: 'error', message: text });
  }

  /** A build or load failure; the caller exits with 1 once this resolves. */
  async buildError(params: BuildErrorParams, text: string): Promise<void> {
    this.note(text);
    await this.#channel?.buildError(params);
  }
}
