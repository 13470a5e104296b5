/**
 * Settlement: what becomes of an item when its attempt ends. A value or an error is its outcome. A task that
 * asked to run again (RetryLater) is parked again after its delay, up to maxRetries. An item whose worker died
 * runs again up to maxCrashRetries; one whose worker was ended for running past taskTimeoutMs fails with
 * TIMEOUT. Before blaming an item for either, it is run once alone if it shared its worker. Once the run is
 * stopping, an attempt that did not finish is dropped, never written.
 */
import { serializedError, type SerializedError } from './errors.js';
import type { Admission, Entry } from './admission.js';
import type { Settlement } from './protocol.js';
import type { ResultQueue } from './result-queue.js';
import type { Outcome, RunStats } from './run-results.js';
import type { Settings } from './run-settings.js';

/** What settlement needs from the run loop. */
export interface RunLoop {
  /** The run is stopping: attempts that end now were interrupted, not finished. */
  readonly stopping: boolean;
  /** Refills the freed slots and ends the run when nothing is left. */
  pump(): void;
}

export class Settler<I, R> {
  constructor(
    private readonly settings: Settings<I, R>,
    private readonly admission: Admission<I>,
    /** Where outcomes go, in completion order, for the run loop to write. */
    private readonly results: ResultQueue<Outcome<I, R>>,
    /** Live counters; settlement keeps settled, retries, crashes and timeouts. */
    private readonly stats: RunStats,
    private readonly loop: RunLoop,
  ) {}

  /** An attempt settled on its worker. Admission runs once per batch (batchSettled), not per item. */
  settled(s: Settlement): void {
    const e = this.admission.release(s.id);
    if (!e) return;
    if (s.kind === 'ok') this.succeed(e, s.value as R);
    else if (this.loop.stopping) {
      // A task that failed or asked for a retry after cancellation was interrupted, not finished: it is not
      // written, so a resumed run does it again.
    } else if (s.kind === 'error') this.fail(e, s.error);
    else this.retry(e, s);
    this.settings.onProgress?.(this.stats);
  }

  /** A worker died with these attempts on it; `beforeReady` when it never finished loading. */
  crashed(ids: number[], error: SerializedError, beforeReady: boolean): void {
    for (const id of ids) {
      const e = this.admission.release(id);
      if (!e || this.loop.stopping) continue;
      if (beforeReady) {
        this.admission.park(e); // not this item's fault
        continue;
      }
      e.crashes++;
      this.stats.crashes++;
      if (e.crashes <= this.settings.maxCrashRetries) this.admission.park(e);
      else if (ids.length > 1) this.runAlone(e); // it always died in company, so it may be innocent
      else this.fail(e, serializedError('WORKER_CRASHED', `${error.message}, ${e.crashes} times while running this item`));
    }
    this.progressed();
  }

  /** A worker was ended because `overdue` ran past the time limit; `others` ran beside them. */
  timedOut(overdue: number[], others: number[], shared: boolean): void {
    for (const id of others) {
      const e = this.admission.release(id);
      if (e && !this.loop.stopping) this.admission.park(e); // held up by the stuck one: not its fault
    }
    for (const id of overdue) {
      const e = this.admission.release(id);
      if (!e || this.loop.stopping) continue;
      e.timeouts++;
      this.stats.timeouts++;
      // Another task on its worker may have been what held it up.
      if (shared && !e.alone) this.runAlone(e);
      else this.fail(e, serializedError('TIMEOUT', `still running after the task time limit of ${this.settings.taskTimeoutMs} ms: its worker was stopped and replaced`));
    }
    this.progressed();
  }

  /** These attempts can never report back: nothing is left to wait for (a stopping run drops them, unwritten). */
  orphaned(ids: number[], error: SerializedError): void {
    for (const id of ids) {
      const e = this.admission.release(id);
      if (e && !this.loop.stopping) this.fail(e, error);
    }
    this.progressed();
  }

  /** Ends an item with an error outcome. */
  fail(e: Entry<I>, error: SerializedError): void {
    this.stats.settled++;
    this.results.push({ index: e.index, item: e.item, attempts: e.attempt + e.crashes + e.timeouts, ok: false, error });
  }

  /** The hot path: one object per result, always of the same shape. */
  private succeed(e: Entry<I>, value: R): void {
    this.stats.settled++;
    this.settings.onSettled?.(e.item, value);
    this.results.push({ index: e.index, item: e.item, attempts: e.attempt + e.crashes + e.timeouts, ok: true, value });
  }

  /** An attempt asked to run again: parked again after its delay, or failed past maxRetries. */
  private retry(e: Entry<I>, s: Settlement & { kind: 'retry' }): void {
    if (s.carry !== undefined) this.settings.onRetry?.(e.item, s.carry);
    if (e.attempt > this.settings.maxRetries) {
      // A safety net for a task that would ask forever; tasks normally give up themselves (ctx.attempt).
      this.fail(e, serializedError('RETRIES_EXHAUSTED', `asked to run again ${e.attempt} times (maxRetries ${this.settings.maxRetries}): ${s.reason}`));
      return;
    }
    this.stats.retries++;
    e.attempt++;
    if (s.pauseKey) this.admission.pauseKey(e.key, s.delayMs);
    this.admission.parkLater(e, s.delayMs);
  }

  /** Runs `e` once more on a worker of its own before blaming it. */
  private runAlone(e: Entry<I>): void {
    e.alone = true;
    this.admission.park(e);
  }

  private progressed(): void {
    this.settings.onProgress?.(this.stats);
    this.loop.pump();
  }
}
