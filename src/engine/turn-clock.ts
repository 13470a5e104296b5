/**
 * How long the current turn of the event loop has been doing our work. Synchronous work chained through
 * microtasks never lets the loop turn (no signal, timer or I/O callback runs meanwhile), so the engine and the
 * copy task hand work over to the next turn once a turn has run long enough. The clock starts at the first
 * reading in a turn and stops when the turn ends (a setImmediate queued at the start runs then).
 */
export class TurnClock {
  private start = -1;
  private readonly stop = () => (this.start = -1);

  /** Milliseconds since this turn's first reading; 0 for the first one, which starts the clock. */
  elapsed(now = performance.now()): number {
    if (this.start >= 0) return now - this.start;
    this.start = now;
    setImmediate(this.stop);
    return 0;
  }

  /** Counts the rest of the turn from `now` (after a pause in the work it measures, such as a flush). */
  restart(now = performance.now()): void {
    if (this.start >= 0) this.start = now;
  }
}
