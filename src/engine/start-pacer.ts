/**
 * A run-wide start rate: at most `perSec` starts per second, whatever their keys, evenly spaced. A start that
 * comes late (every slot was busy) does not earn a burst to catch up: the next one is a full interval after it.
 */
export class StartPacer {
  private readonly intervalMs: number;
  /** No start before this time (ms, `now()` clock). */
  private notBefore = 0;

  constructor(perSec: number, private readonly now: () => number = Date.now) {
    this.intervalMs = 1000 / perSec;
  }

  /** 0 when a start may happen now; otherwise whole ms until it may. */
  waitMs(): number {
    return Math.max(0, Math.ceil(this.notBefore - this.now()));
  }

  started(): void {
    this.notBefore = Math.max(this.notBefore, this.now()) + this.intervalMs;
  }
}
