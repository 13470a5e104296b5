/**
 * The delete pass's pace: it runs on the coordinator's event loop, so it gives the loop back every few milliseconds
 * (the progress line ticks, a Ctrl-C's listener runs) and stops at the next entry once the run's signal is aborted.
 * What was deleted before the stop is in the log (flushed at each pause, whole lines); a re-run deletes the rest.
 */

/** How long the pass may hold the event loop between two pauses. */
const SLICE_MS = 20;

/**
 * Test seam: a function under this registered symbol on globalThis is called with each event of the pass
 * ('listed': a DST directory's entries were just read; 'paused': the records so far are flushed and the loop is
 * about to be given back). fanout sets none; fixtures/delete-hold.ts and test/jobs/copy/delete-races.test.ts do.
 */
export const DELETE_SEAM = Symbol.for('fanout.seam.delete');
export type DeleteSeamEvent = 'listed' | 'paused';

export function seam(event: DeleteSeamEvent, rel: string): void {
  (globalThis as { [DELETE_SEAM]?: (event: DeleteSeamEvent, rel: string) => void })[DELETE_SEAM]?.(event, rel);
}

/** Thrown out of the pass (and caught by its caller) when the signal stops it. */
export class DeleteStopped extends Error {
  constructor() {
    super('the delete pass was stopped');
  }
}

export class Pace {
  private last = performance.now();

  constructor(
    private readonly signal: AbortSignal | undefined,
    /** Called before each pause: flush the records, report progress. */
    private readonly onPause: () => Promise<void> | null | void,
  ) {}

  /**
   * Before each entry: throws DeleteStopped once stopped; true when the slice is used up and `pause()` is due (a
   * synchronous check: most entries cost no promise).
   */
  due(): boolean {
    if (this.signal?.aborted) throw new DeleteStopped();
    return performance.now() - this.last >= SLICE_MS;
  }

  /** Gives the event loop a turn; throws DeleteStopped if the run was stopped meanwhile. */
  async pause(): Promise<void> {
    const waiting = this.onPause();
    seam('paused', '');
    if (waiting) await waiting;
    // An immediate queued from the check phase runs after the next poll (where a signal's listener runs); two make
    // sure one poll comes between, wherever the pass was when it paused.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
    if (this.signal?.aborted) throw new DeleteStopped();
  }
}
