/**
 * Text to stdout with backpressure, for output produced by a synchronous callback (copy's --dry-run plan): a
 * write that fills stdout's buffer returns a promise for the producer to await, so a slow reader slows the run
 * instead of the plan piling up in memory. Once stdout has failed (its reader gone: EPIPE), every write rejects.
 */
import { once } from 'node:events';

export interface StdoutWriter {
  /** undefined when stdout took the text; otherwise a promise that settles when it can take more. */
  write(text: string): Promise<void> | undefined;
}

export function stdoutWriter(stream: NodeJS.WritableStream = process.stdout): StdoutWriter {
  let failed: Error | null = null;
  let draining: Promise<void> | null = null;
  stream.on('error', (err: Error) => (failed ??= err));
  return {
    write(text) {
      if (failed) return handled(Promise.reject(failed));
      if (stream.write(text) || draining) return draining ?? undefined;
      // once() rejects on 'error': a reader that leaves while the producer waits ends the wait.
      draining = handled(once(stream, 'drain').then(() => {
        draining = null;
      }));
      return draining;
    },
  };
}

/** A producer that stopped early may never await it: its rejection is not an unhandled one. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
