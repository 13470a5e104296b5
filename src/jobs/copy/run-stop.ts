/**
 * How a copy run stops early: the user's signal, or the first fatal error (disk full, read-only: nothing else can
 * succeed). Either aborts `signal`, which the engine's run watches; a fatal error is what copy() then throws.
 */
import type { SerializedError } from '../../engine/errors.js';
import { copyError, fatalOf, isFatalCode, serialized, stoppedBy, type CopyError, type CopyRecordError } from './errors.js';

export class RunStop {
  private readonly controller = new AbortController();
  /** The first fatal error, if one stopped the run. */
  private first: CopyError | null = null;
  private readonly onAbort = () => this.controller.abort();

  constructor(private readonly user?: AbortSignal) {
    user?.addEventListener('abort', this.onAbort, { once: true });
    if (user?.aborted) this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get fatal(): CopyError | null {
    return this.first;
  }

  /** Stopping, for either reason: nothing more is dispatched. */
  get stopped(): boolean {
    return this.first !== null || this.controller.signal.aborted;
  }

  fail(err: CopyError): void {
    this.first ??= err;
    this.controller.abort();
  }

  /** Stops on the error a record or a failed batch carries, when it is fatal. */
  failOn(error: SerializedError | undefined): void {
    const fatal = fatalOf(error);
    if (fatal) this.fail(fatal);
  }

  /** What `err` means for the entry at `path`: its record's error, or null once a fatal one stopped the run. */
  entryFailure(err: unknown, path: string): CopyRecordError | null {
    const e = copyError(err, path);
    if (!isFatalCode(e.code)) return serialized(e);
    this.fail(e);
    return null;
  }

  /** The end of the run, whatever ended it: the user's signal is let go. */
  release(): void {
    this.user?.removeEventListener('abort', this.onAbort);
  }

  /** After a fatal stop, throws its error, saying how far the run got. */
  throwIfFatal(entries: number): void {
    if (this.first) throw stoppedBy(this.first, entries);
  }
}
