/**
 * Text to stdout with backpressure, for output produced by a synchronous callback (copy's --dry-run plan): a
 * write that fills stdout's buffer returns a promise for the producer to await, so a slow reader slows the run
 * instead of the plan piling up in memory. Once stdout has failed, every write rejects with a FanoutError: NO_SPACE
 * or READ_ONLY for such a disk, OUTPUT_FAILED otherwise, the errno in its `cause` (EPIPE: the reader left).
 */
import { once } from 'node:events';
import { FanoutError } from '../engine/errors.js';
import { diskStopCode } from '../util/disk-stop.js';
import { errorReason } from '../util/error-reason.js';

export interface StdoutWriter {
  /** undefined when stdout took the text; otherwise a promise that settles when it can take more. */
  write(text: string): Promise<void> | undefined;
}

export function stdoutWriter(stream: NodeJS.WritableStream = process.stdout): StdoutWriter {
  let failed: Error | null = null;
  let draining: Promise<void> | null = null;
  stream.on('error', (err: Error) => (failed ??= new FanoutError(diskStopCode(err) ?? 'OUTPUT_FAILED', `cannot write stdout: ${errorReason(err)}`, { cause: err })));
  return {
    write(text) {
      if (failed) return handled(Promise.reject(failed));
      if (stream.write(text) || draining) return draining ?? undefined;
      // once() rejects on 'error': a reader that leaves while the producer waits ends the wait.
      draining = handled(once(stream, 'drain').then(
        () => {
          draining = null;
        },
        () => Promise.reject(failed),
      ));
      return draining;
    },
  };
}

/** True when `err` says stdout's reader went away (EPIPE), itself or as the cause of a failed write. */
export function readerLeft(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === 'EPIPE' || e?.cause?.code === 'EPIPE';
}

/** A producer that stopped early may never await it: its rejection is not an unhandled one. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
