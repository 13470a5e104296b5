/**
 * The run loop. The coordinator reads the input as far as the reorder window allows, has admission decide what
 * may start (admission.ts), hands it to an executor (executor.ts), has settlement decide what a finished attempt
 * becomes (settle.ts), and streams outcomes through the result queue to the ordered writer. It is the same
 * whatever runtime the workers are.
 */
import { Admission, newEntry, FREE } from './admission.js';
import { createExecutor } from './create-executor.js';
import { FanoutError, serializeError } from './errors.js';
import type { Executor } from './executor.js';
import { OrderedWriter } from './ordered-writer.js';
import { ResultQueue } from './result-queue.js';
import type { Outcome, RunStats, RunSummary } from './run-results.js';
import { resolveRunOptions, type RunOptions, type Settings } from './run-settings.js';
import { Settler } from './settle.js';

export type { Outcome, RunStats, RunSummary } from './run-results.js';
export type { RunOptions } from './run-settings.js';

export function run<I, R>(options: RunOptions<I, R>): Promise<RunSummary> {
  try {
    return new Coordinator<I, R>(resolveRunOptions(options)).start();
  } catch (err) {
    return Promise.reject(err); // bad options reject like every other failure, never throw synchronously
  }
}

/**
 * Where a run is. Each phase allows less than the one before, and none comes back:
 * - reading: the input is read while the window is open; items are admitted and dispatched.
 * - draining: the input is exhausted; what waits, is delayed or runs is still dispatched and settled.
 * - stopping: cancelled or failed. Nothing is read or dispatched; waiting and delayed items are dropped; running
 *   tasks are aborted and get cancelGraceMs to settle, after which they are abandoned.
 * The run is over when the result queue closes: when draining and nothing waits, is delayed or runs, or when
 * stopping and nothing runs.
 */
type Phase = 'reading' | 'draining' | 'stopping';

class Coordinator<I, R> {
  private phase: Phase = 'reading';
  /** The run was stopped by its signal: the summary says so. */
  private cancelled = false;
  /** The first error the run met (even after a cancel): the run rejects with it. */
  private failure: unknown = null;
  /**
   * A worker has loaded the task. Not a phase: the input may be read to its end before that. Until then items
   * are read and parked but none is dispatched, so per-key limits and pacing hold from the first item.
   */
  private executorReady = false;
  /** A read from the input is under way: no other starts; a read blocked in next() cannot be closed. */
  private pulling = false;
  /** Ends the grace period of a stop: tasks still running are abandoned and their workers ended. */
  private graceTimer: NodeJS.Timeout | null = null;

  private readonly stats: RunStats = {
    pulled: 0, settled: 0, emitted: 0, failed: 0, inflight: 0, retries: 0, crashes: 0, timeouts: 0, maxBuffered: 0, maxAhead: 0,
  };
  private readonly admission: Admission<I>;
  /** Settled items in completion order; the run loop is its only reader. */
  private readonly results = new ResultQueue<Outcome<I, R>>();
  private readonly settler: Settler<I, R>;
  private readonly writer: OrderedWriter<Outcome<I, R>>;
  private readonly startedAt = performance.now();
  private executor!: Executor;
  private iterator!: Iterator<I> | AsyncIterator<I>;
  /** The input is a synchronous iterable: read without an await per item. */
  private readonly syncSource: boolean;

  constructor(private readonly s: Settings<I, R>) {
    this.syncSource = !(Symbol.asyncIterator in s.items);
    this.admission = new Admission(s, this.stats, () => this.pump());
    this.settler = new Settler(s, this.admission, this.results, this.stats, this);
    const onResult = s.onResult;
    this.writer = new OrderedWriter((r) => {
      if (!r.ok) this.stats.failed++;
      this.stats.emitted++;
      const pending = onResult?.(r);
      return pending && typeof pending.then === 'function' ? pending : undefined;
    }, s.ordered);
  }

  /** Attempts that end now were interrupted, not finished (read by settlement). */
  get stopping(): boolean {
    return this.phase === 'stopping';
  }

  async start(): Promise<RunSummary> {
    const items = this.s.items;
    this.iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
    const settler = this.settler;
    this.executor = await createExecutor(this.s.mode, this.s.executor, {
      settled: (s) => settler.settled(s),
      keyReleased: (id) => this.admission.releaseKey(id),
      batchSettled: () => this.pump(),
      crashed: (ids, error, beforeReady) => settler.crashed(ids, error, beforeReady),
      timedOut: (overdue, others, shared) => settler.timedOut(overdue, others, shared),
      fatal: (error) => this.stop(error),
      orphaned: (ids, error) => settler.orphaned(ids, error),
      ready: () => {
        this.executorReady = true;
        this.pump();
      },
    }, this.s.cluster);
    const signal = this.s.signal;
    const onAbort = () => this.cancel();
    if (signal?.aborted) this.cancel();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const drained = this.drain();
      this.pump();
      await drained;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.admission.close();
      await this.executor.close(this.s.cancelGraceMs);
      // An input still blocked in next() (e.g. stdin) cannot be closed now; closing is then left to run behind.
      if (this.stopping) {
        if (this.pulling) void closeIterator(this.iterator);
        else await closeIterator(this.iterator);
      }
    }
    if (this.failure) throw this.failure;
    return {
      ...this.stats,
      inflight: 0,
      maxBuffered: Math.max(this.stats.maxBuffered, this.writer.maxBuffered),
      cancelled: this.cancelled,
      elapsedMs: performance.now() - this.startedAt,
      mode: this.s.mode,
      workers: this.s.workers,
    };
  }

  /**
   * The single consumer of the result queue: results go to the writer one at a time. Everything that is ready
   * is taken in one synchronous sweep (no promise per result unless onResult returns one), then admission runs.
   */
  private async drain(): Promise<void> {
    const results = this.results;
    try {
      for (;;) {
        for (let r = results.shift(); r !== undefined; r = results.shift()) {
          const pending = this.writer.accept(r);
          if (pending) {
            await pending;
            this.pump();
          }
        }
        if (this.writer.maxBuffered > this.stats.maxBuffered) this.stats.maxBuffered = this.writer.maxBuffered;
        this.pump();
        if (results.length > 0) continue;
        if (results.closed) break;
        await results.wait();
      }
    } catch (err) {
      this.stop(err); // the consumer failed (e.g. EPIPE): nothing more can be written
      for await (const _ of results); // let pending settlements land so the pool can close
    }
    this.writer.discardRest();
  }

  /** Moves the run on: dispatches what may start, reads more input if the window allows, ends the run if done. */
  pump(): void {
    if (this.phase === 'stopping') return this.maybeFinish();
    this.dispatchWaiting();
    if (this.phase === 'reading' && !this.pulling && this.windowOpen()) {
      if (this.syncSource) this.pullSync();
      else void this.pull();
    }
    this.maybeFinish();
  }

  private windowOpen(): boolean {
    const oldest = this.s.ordered ? this.writer.nextIndex : this.stats.emitted;
    return this.stats.pulled - oldest < this.s.window;
  }

  /** Reads a synchronous input without an await per item (the fast path for arrays and generators). */
  private pullSync(): void {
    const it = this.iterator as Iterator<I>;
    this.pulling = true;
    try {
      while (this.phase === 'reading' && this.windowOpen() && this.took(it.next()));
    } catch (err) {
      this.inputFailed(err);
    } finally {
      this.pulling = false;
    }
  }

  private async pull(): Promise<void> {
    this.pulling = true;
    try {
      while (this.phase === 'reading' && this.windowOpen()) {
        if (!this.took(await this.iterator.next())) break;
      }
    } catch (err) {
      this.inputFailed(err);
    } finally {
      this.pulling = false;
    }
    this.pump();
  }

  /** Admits one item read from the input; false when there is no more to read. */
  private took(r: IteratorResult<I>): boolean {
    if (this.phase !== 'reading') return false; // stopped while next() ran
    if (r.done) {
      this.phase = 'draining';
      return false;
    }
    this.admit(r.value);
    // Dispatch right away, but keep reading ahead only while slots are free or keys are blocked.
    if (this.admission.running < this.s.concurrency) this.dispatchWaiting();
    return true;
  }

  /** An error the input raised with a fanout code (e.g. a refused resume) stops the run as itself. */
  private inputFailed(err: unknown): void {
    this.stop(err instanceof FanoutError ? err : new FanoutError('INPUT_FAILED', `reading the input failed: ${(err as Error).message}`, { cause: err }));
  }

  private admit(item: I): void {
    const index = this.stats.pulled++;
    const ahead = index + 1 - this.writer.nextIndex;
    if (ahead > this.stats.maxAhead) this.stats.maxAhead = ahead;
    let key: string;
    try {
      key = this.admission.keyOf(item);
    } catch (err) {
      // A key that cannot be computed is that item's failure, not the run's.
      this.settler.fail(newEntry(index, item, FREE), serializeError(err, 'INVALID_ITEM'));
      return;
    }
    this.admission.park(newEntry(index, item, key));
  }

  private dispatchWaiting(): void {
    // Nothing starts before a worker can run it, so per-key pacing and limits hold from the first item.
    if (!this.executorReady) return;
    const dispatchItem = this.s.dispatchItem;
    for (let e = this.admission.take(); e; e = this.admission.take()) {
      this.executor.dispatch({ id: e.id, index: e.index, attempt: e.attempt, item: dispatchItem ? dispatchItem(e.item) : e.item }, e.alone);
    }
  }

  /** Closes the result queue once nothing can add to it: the writer then finishes and the run ends. */
  private maybeFinish(): void {
    if (this.results.closed || this.admission.running > 0) return;
    if (this.phase === 'reading') return;
    if (this.phase === 'draining' && (!this.admission.idle || this.pulling)) return;
    this.results.close();
  }

  private cancel(): void {
    if (this.phase === 'stopping') return;
    this.cancelled = true;
    this.stop(null);
  }

  /** Stops admission; in-flight tasks are aborted and given `cancelGraceMs` to settle. */
  private stop(error: unknown): void {
    if (error && !this.failure) this.failure = error;
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.admission.clear();
    // Tasks the executor had not sent to a worker never ran: they are done with at once.
    for (const id of this.executor.cancel(this.admission.runningIds())) this.admission.release(id);
    if (this.admission.running > 0) {
      this.graceTimer = setTimeout(() => {
        // Tasks that did not settle may be stuck in synchronous code, where no signal reaches them: their workers
        // are ended now, so the run ends within the grace period (closing would wait for them as long again).
        if (this.s.mode !== 'async') this.executor.endBusy();
        this.admission.releaseAll();
        this.maybeFinish();
      }, this.s.cancelGraceMs);
    }
    this.maybeFinish();
  }
}

async function closeIterator(it: Iterator<unknown> | AsyncIterator<unknown>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // the source is being abandoned; its own errors no longer matter
  }
}
