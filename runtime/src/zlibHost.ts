/**
 * The host end of CompressionStream/DecompressionStream: node:zlib engines the isolate drives chunk by chunk
 * through one Reference (`open` → id, `write` id bytes → output so far, `end` id → the rest, `close` id).
 * Output is collected from the engine's 'data' events and handed over at the end of each call. One small compressed
 * chunk can inflate to gigabytes (a zip bomb), so the output of one call is capped at MAX_OUTPUT_PER_CALL: past it the
 * engine is destroyed and the stream errors, instead of the host buffering it all.
 */
import { once } from 'node:events';
import zlib from 'node:zlib';

type Engine = zlib.Gzip | zlib.Gunzip | zlib.Deflate | zlib.Inflate | zlib.DeflateRaw | zlib.InflateRaw;

interface Open {
  engine: Engine;
  out: Buffer[];
  /** Bytes in `out`. */
  size: number;
  error: Error | null;
}

const MAX_OPEN = 1024;
/** Output bytes one write (or the end) may produce; the isolate's memory limit is 128 MB. */
export const MAX_OUTPUT_PER_CALL = 64 * 1024 * 1024;

class OutputTooLarge extends RangeError {}

function create(mode: unknown, format: unknown): Engine {
  const decompress = mode === 'decompress';
  if (format === 'gzip') return decompress ? zlib.createGunzip() : zlib.createGzip();
  if (format === 'deflate') return decompress ? zlib.createInflate() : zlib.createDeflate();
  return decompress ? zlib.createInflateRaw() : zlib.createDeflateRaw();
}

function take(open: Open, decompress: boolean): Uint8Array {
  if (open.error instanceof OutputTooLarge) throw open.error;
  if (open.error) throw new TypeError(decompress ? 'Decompression failed.' : 'Compression failed.');
  const out = Buffer.concat(open.out);
  open.out = [];
  open.size = 0;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export interface ZlibHost {
  /** The Reference's function (see above). */
  call(op: string, a?: unknown, b?: unknown): Promise<unknown>;
  /** Destroys every open engine (the worker is gone). */
  close(): void;
}

export function createZlibHost(): ZlibHost {
  const engines = new Map<number, Open & { decompress: boolean }>();
  let nextId = 1;
  const get = (id: unknown) => {
    const open = engines.get(id as number);
    if (!open) throw new TypeError('This compression stream is closed');
    return open;
  };
  // Data events are emitted on this tick or the next: a macrotask later, everything written so far has arrived.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const call = async (op: string, a?: unknown, b?: unknown): Promise<unknown> => {
    switch (op) {
      case 'open': {
        if (engines.size >= MAX_OPEN) throw new Error('Too many open compression streams');
        const engine = create(a, b);
        const open = { engine, out: [] as Buffer[], size: 0, error: null as Error | null, decompress: a === 'decompress' };
        engine.on('data', (chunk: Buffer) => {
          if (open.error) return;
          open.size += chunk.byteLength;
          if (open.size > MAX_OUTPUT_PER_CALL) {
            open.out = [];
            open.size = 0;
            open.error = new OutputTooLarge(`The ${open.decompress ? 'decompressed' : 'compressed'} output of one chunk is larger than the limit of ${MAX_OUTPUT_PER_CALL / (1024 * 1024)} MiB`);
            engine.destroy(open.error);
            return;
          }
          open.out.push(chunk);
        });
        engine.on('error', (err: Error) => (open.error ??= err));
        const id = nextId++;
        engines.set(id, open);
        return id;
      }
      case 'write': {
        const open = get(a);
        if (!open.error) {
          // On bad input zlib emits 'error' and never calls the write callback.
          await new Promise<void>((resolve) => {
            const onError = () => resolve();
            open.engine.once('error', onError);
            open.engine.write(b as Uint8Array, () => {
              open.engine.off('error', onError);
              resolve();
            });
          });
          await settle();
        }
        if (open.error) engines.delete(a as number);
        return take(open, open.decompress);
      }
      case 'end': {
        const open = get(a);
        engines.delete(a as number);
        if (!open.error) {
          const ended = once(open.engine, 'end').catch(() => {});
          open.engine.end();
          await Promise.race([ended, once(open.engine, 'error').catch(() => {})]);
          await settle();
        }
        const out = take(open, open.decompress);
        open.engine.close();
        return out;
      }
      case 'close':
        engines.get(a as number)?.engine.destroy();
        engines.delete(a as number);
        return undefined;
      default:
        throw new Error(`unknown zlib op ${op}`);
    }
  };
  // Errors cross as data: the isolate rethrows them as TypeErrors.
  return {
    call: (op, a, b) => call(op, a, b).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })),
    close: () => {
      for (const open of engines.values()) open.engine.destroy();
      engines.clear();
    },
  };
}
