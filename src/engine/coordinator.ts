/**
 * The coordinator owns admission (global in-flight limit, keyed semaphore, reorder window), dispatches items
 * to a pool of workers, retries items whose worker died, and streams settled items through the result queue
 * to the ordered writer. It is the same whatever runtime the workers are.
 */
import { availableParallelism } from 'node:os';
import { AdmissionQueue } from './admission-queue.js';
import { FanoutError, serializeError, type SerializedError } from './errors.js';
import { KeyedSemaphore } from './keyed-semaphore.js';
import { OrderedWriter } from './ordered-writer.js';
import { createExecutor } from './create-executor.js';
import type { Executor } from './executor.js';
import type { Settlement } from './protocol.js';
import { ResultQueue } from './result-queue.js';
import type { Mode } from './runtimes/channel.js';

export type Outcome<I, R> =
  | { index: number; item: I; attempts: number; ok: true; value: R }
  | { index: number; item: I; attempts: number; ok: false; error: SerializedError };

export interface RunOptions<I, R> {
  /**
   * The work items, pulled lazily: an iterable or async iterable of any length. Required. A synchronous iterable
   * (array, generator) is read without an await per item; an async one costs one await per item.
   */
  items: Iterable<I> | AsyncIterable<I>;
  /** Absolute path or file URL of the built JavaScript task module (see TaskFactory). Required. */
  task: string | URL;
  /** Passed to the task factory in every worker; must be structured-clone safe. Default: undefined. */
  taskOptions?: unknown;
  /** Where tasks run. Default: 'async'. */
  mode?: Mode;
  /** Workers for 'threads' and 'procs'. Default: os.availableParallelism(). Ignored in 'async'. */
  workers?: number;
  /** Items in flight at once, across all workers. Default: 16. */
  concurrency?: number;
  /** The admission key of an item (e.g. a URL's origin); undefined means unlimited. Default: none. */
  key?: (item: I) => string | undefined;
  /** Items in flight at once per key. Default: unlimited. */
  perKey?: number;
  /** Item starts per second per key. Default: unlimited. */
  ratePerKey?: number;
  /**
   * A minimum gap in ms between starts for one key, asked when an item of that key is admitted (e.g. a
   * robots.txt Crawl-delay); it never lowers ratePerKey's gap. Default: none.
   */
  keyInterval?: (key: string) => number | undefined;
  /** Emit in input order (true) or completion order. Default: true. */
  ordered?: boolean;
  /** Most items admitted ahead of the oldest unwritten one; bounds the reorder buffer. Default: max(1024, 16 x concurrency). */
  window?: number;
  /**
   * How many times an item is re-run after its worker died under it. An item that used them all up while sharing
   * its worker with others is run once more alone, so an innocent neighbour of a crashing item is not blamed.
   * A worker dies from an uncaught exception, process.exit, a signal or running out of memory, in 'threads' and
   * 'procs' only: in 'async' mode those end the caller's own process. Default: 2.
   */
  maxCrashRetries?: number;
  /**
   * How many times one item may ask to run again by throwing RetryLater; past that it fails with
   * RETRIES_EXHAUSTED. A safety net: a task normally decides itself from ctx.attempt. Default: 100.
   */
  maxRetries?: number;
  /** Cancels the run: admission stops, in-flight tasks are aborted, the completed prefix is written. Default: none. */
  signal?: AbortSignal;
  /**
   * Receives each result, in order; a returned promise is awaited, so a slow consumer pauses admission. If it
   * throws, the run stops and rejects with that error. Default: none (results are dropped).
   */
  onResult?: (result: Outcome<I, R>) => void | Promise<void>;
  /** Called after each settled item with live counters (do not keep the object). Default: none. */
  onProgress?: (stats: Readonly<RunStats>) => void;
  /** How long cancelled tasks get to settle before their workers are terminated. Default: 5000 ms. */
  cancelGraceMs?: number;
  /**
   * 'threads' and 'procs': the longest one run of a task may take on its worker, in ms. A worker still running it
   * then is terminated and replaced (a task stuck in synchronous code cannot be reached any other way); its
   * other items run again elsewhere, not counted against them. The item fails with TIMEOUT, after being run once
   * more on a worker of its own if it shared one (so a task held up by a stuck neighbour is not blamed). Ignored
   * in 'async', where nothing can interrupt a synchronous task. Default: none.
   */
  taskTimeoutMs?: number;
}

export interface RunStats {
  /** Items read from the input so far. */
  pulled: number;
  /** Items that settled (with a value or an error). */
  settled: number;
  /** Results handed to onResult. */
  emitted: number;
  /** Emitted results with ok: false. */
  failed: number;
  inflight: number;
  /** Times a task asked to be run again (RetryLater). */
  retries: number;
  /** Items whose worker died under them. */
  crashes: number;
  /** Items whose worker was terminated because they ran past taskTimeoutMs. */
  timeouts: number;
  /** Largest number of results that waited in the reorder buffer. */
  maxBuffered: number;
  /** Largest distance between the newest admitted item and the oldest unwritten one. */
  maxAhead: number;
}

export interface RunSummary extends RunStats {
  cancelled: boolean;
  elapsedMs: number;
  mode: Mode;
  workers: number;
}

interface Entry<I> {
  index: number;
  item: I;
  key: string;
  attempt: number;
  crashes: number;
  /** Times its worker was terminated because it ran past taskTimeoutMs. */
  timeouts: number;
  /** Crashed its worker too often in company: runs on a worker of its own so the next crash is its own. */
  alone: boolean;
  /** The running attempt freed its key's slot early (TaskContext.releaseKey). */
  keyReleased?: boolean;
}

/** Items without a key share no limit. */
const FREE = '\u0000free';

export function run<I, R>(options: RunOptions<I, R>): Promise<RunSummary> {
  try {
    return new Coordinator<I, R>(options).start();
  } catch (err) {
    return Promise.reject(err); // bad options reject like every other failure, never throw synchronously
  }
}

class Coordinator<I, R> {
  private readonly o: RunOptions<I, R>;
  private readonly mode: Mode;
  private readonly workers: number;
  private readonly concurrency: number;
  private readonly window: number;
  private readonly maxRetries: number;
  private readonly sem: KeyedSemaphore;
  private readonly waiting = new AdmissionQueue<Entry<I>>();
  private readonly inflight = new Map<number, Entry<I>>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly results = new ResultQueue<Outcome<I, R>>();
  private readonly writer: OrderedWriter<Outcome<I, R>>;
  private pool!: Executor;
  private iterator!: Iterator<I> | AsyncIterator<I>;
  private syncSource = false;
  private readonly stats: RunStats = {
    pulled: 0, settled: 0, emitted: 0, failed: 0, inflight: 0, retries: 0, crashes: 0, timeouts: 0, maxBuffered: 0, maxAhead: 0,
  };
  private nextId = 0;
  private pulling = false;
  private poolReady = false;
  private sourceDone = false;
  private stopping = false;
  private cancelled = false;
  private fatal: unknown = null;
  private resultsClosed = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private graceTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = performance.now();

  constructor(options: RunOptions<I, R>) {
    this.o = options;
    this.mode = options.mode ?? 'async';
    this.workers = this.mode === 'async' ? 1 : positive('workers', options.workers ?? availableParallelism());
    this.concurrency = positive('concurrency', options.concurrency ?? 16);
    this.window = positive('window', options.window ?? Math.max(1024, 16 * this.concurrency));
    const items = options.items as unknown;
    if (items == null || (typeof (items as Iterable<I>)[Symbol.iterator] !== 'function' && typeof (items as AsyncIterable<I>)[Symbol.asyncIterator] !== 'function')) {
      throw new FanoutError('INVALID_OPTION', 'items must be an iterable or an async iterable');
    }
    if (typeof options.task !== 'string' && !(options.task instanceof URL)) {
      throw new FanoutError('INVALID_OPTION', 'task must be the path or file URL of a built task module');
    }
    if (!['async', 'threads', 'procs'].includes(this.mode)) throw new FanoutError('INVALID_OPTION', `mode must be async, threads or procs, got ${this.mode}`);
    const perKey = options.perKey === undefined || options.perKey === Infinity ? Infinity : positive('perKey', options.perKey);
    if (options.ratePerKey !== undefined && !(options.ratePerKey > 0)) {
      throw new FanoutError('INVALID_OPTION', `ratePerKey must be a number > 0, got ${options.ratePerKey}`);
    }
    if (options.maxCrashRetries !== undefined && !(Number.isInteger(options.maxCrashRetries) && options.maxCrashRetries >= 0)) {
      throw new FanoutError('INVALID_OPTION', `maxCrashRetries must be a whole number >= 0, got ${options.maxCrashRetries}`);
    }
    if (options.taskTimeoutMs !== undefined && !(options.taskTimeoutMs > 0)) {
      throw new FanoutError('INVALID_OPTION', `taskTimeoutMs must be a number > 0, got ${options.taskTimeoutMs}`);
    }
    this.maxRetries = options.maxRetries ?? 100;
    if (!(Number.isInteger(this.maxRetries) && this.maxRetries >= 0)) {
      throw new FanoutError('INVALID_OPTION', `maxRetries must be a whole number >= 0, got ${options.maxRetries}`);
    }
    this.sem = new KeyedSemaphore({ limit: perKey, ratePerSec: options.ratePerKey });
    const onResult = options.onResult;
    this.writer = new OrderedWriter((r) => {
      if (!r.ok) this.stats.failed++;
      this.stats.emitted++;
      const pending = onResult?.(r);
      return pending && typeof pending.then === 'function' ? pending : undefined;
    }, options.ordered ?? true);
  }

  async start(): Promise<RunSummary> {
    const items = this.o.items;
    this.syncSource = !(Symbol.asyncIterator in items);
    this.iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
    const module = this.o.task instanceof URL ? this.o.task.href : this.o.task;
    this.pool = await createExecutor(this.mode, {
      module,
      options: this.o.taskOptions,
      workers: this.workers,
      fairShare: Math.ceil(this.concurrency / this.workers),
      taskTimeoutMs: this.mode === 'async' ? Infinity : (this.o.taskTimeoutMs ?? Infinity),
    }, {
      settled: (s) => this.onSettled(s),
      keyReleased: (id) => this.releaseKey(this.inflight.get(id)),
      batchSettled: () => this.pump(),
      crashed: (ids, error, beforeReady) => this.onCrashed(ids, error, beforeReady),
      timedOut: (overdue, others, shared) => this.onTimedOut(overdue, others, shared),
      fatal: (error) => this.stop(error),
      ready: () => {
        this.poolReady = true;
        this.pump();
      },
    });
    const signal = this.o.signal;
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
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      await this.pool.close(this.o.cancelGraceMs ?? 5000);
      // An input still blocked in next() (e.g. stdin) cannot be closed now; closing is then left to run behind.
      if (this.stopping) {
        if (this.pulling) void closeIterator(this.iterator);
        else await closeIterator(this.iterator);
      }
    }
    if (this.fatal) throw this.fatal;
    return {
      ...this.stats,
      inflight: 0,
      maxBuffered: Math.max(this.stats.maxBuffered, this.writer.maxBuffered),
      cancelled: this.cancelled,
      elapsedMs: performance.now() - this.startedAt,
      mode: this.mode,
      workers: this.workers,
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

  private windowOpen(): boolean {
    const oldest = (this.o.ordered ?? true) ? this.writer.nextIndex : this.stats.emitted;
    return this.stats.pulled - oldest < this.window;
  }

  /** Whether an item of `key` may start now; a key paused for a while gets a wake-up timer. */
  private readonly isAvailable = (key: string): boolean => {
    if (key === FREE) return true;
    const wait = this.sem.waitMs(key);
    if (wait === 0) return true;
    if (wait !== Infinity) {
      this.pausedKeys.add(key);
      this.wakeLater(wait);
    }
    return false;
  };

  /** Paused keys: one timer for the earliest, which wakes every paused key (cheap; pauses are rare). */
  private readonly pausedKeys = new Set<string>();
  private wakeLater(ms: number): void {
    const at = Date.now() + ms;
    if (at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = Infinity;
      for (const k of this.pausedKeys) this.waiting.wake(k);
      this.pausedKeys.clear();
      this.pump();
    }, ms + 1);
  }

  private pump(): void {
    if (this.stopping) return this.maybeFinish();
    this.dispatchWaiting();
    if (!this.pulling && !this.sourceDone && this.windowOpen()) {
      if (this.syncSource) this.pullSync();
      else void this.pull();
    }
    this.maybeFinish();
  }

  /** Reads a synchronous input without an await per item (the fast path for arrays and generators). */
  private pullSync(): void {
    const it = this.iterator as Iterator<I>;
    this.pulling = true;
    try {
      while (!this.stopping && this.windowOpen() && this.took(it.next()));
    } catch (err) {
      this.inputFailed(err);
    } finally {
      this.pulling = false;
    }
  }

  private async pull(): Promise<void> {
    this.pulling = true;
    try {
      while (!this.stopping && !this.sourceDone && this.windowOpen()) {
        const r = await this.iterator.next();
        if (this.stopping || !this.took(r)) break;
      }
    } catch (err) {
      this.inputFailed(err);
    } finally {
      this.pulling = false;
    }
    this.pump();
  }

  /** Admits one pulled item; false when the input is exhausted. */
  private took(r: IteratorResult<I>): boolean {
    if (r.done) {
      this.sourceDone = true;
      return false;
    }
    this.admit(r.value);
    // Dispatch right away, but keep reading ahead only while slots are free or keys are blocked.
    if (this.inflight.size < this.concurrency) this.dispatchWaiting();
    return true;
  }

  private inputFailed(err: unknown): void {
    this.stop(new FanoutError('INPUT_FAILED', `reading the input failed: ${(err as Error).message}`, { cause: err }));
  }


  private dispatchWaiting(): void {
    // Nothing starts before a worker can run it, so per-key pacing and limits hold from the first item.
    if (!this.poolReady) return;
    while (this.inflight.size < this.concurrency) {
      const e = this.waiting.next(this.isAvailable);
      if (!e) break;
      this.dispatch(e);
    }
  }

  private admit(item: I): void {
    const index = this.stats.pulled++;
    const ahead = index + 1 - this.writer.nextIndex;
    if (ahead > this.stats.maxAhead) this.stats.maxAhead = ahead;
    let key: string;
    try {
      key = this.o.key?.(item) ?? FREE;
    } catch (err) {
      // A key that cannot be computed is that item's failure, not the run's.
      this.complete({ index, item, key: FREE, attempt: 1, crashes: 0, timeouts: 0, alone: false }, { ok: false, error: serializeError(err, 'INVALID_ITEM') });
      return;
    }
    if (this.o.keyInterval && key !== FREE) {
      const ms = this.o.keyInterval(key);
      if (ms) this.sem.setInterval(key, ms);
    }
    this.waiting.park({ index, item, key, attempt: 1, crashes: 0, timeouts: 0, alone: false });
  }

  private dispatch(e: Entry<I>): void {
    const id = this.nextId++;
    this.inflight.set(id, e);
    this.stats.inflight = this.inflight.size;
    e.keyReleased = false;
    if (e.key !== FREE) this.sem.acquire(e.key);
    this.pool.dispatch({ id, index: e.index, attempt: e.attempt, item: e.item }, e.alone);
  }

  private release(id: number): Entry<I> | undefined {
    const e = this.inflight.get(id);
    if (!e) return undefined;
    this.inflight.delete(id);
    this.stats.inflight = this.inflight.size;
    this.releaseKey(e);
    return e;
  }

  /** Frees the key slot an entry holds, once per attempt (at its end, or earlier when the task asks). */
  private releaseKey(e: Entry<I> | undefined): void {
    if (!e || e.keyReleased || e.key === FREE) return;
    e.keyReleased = true;
    this.sem.release(e.key);
    this.waiting.wake(e.key);
  }

  private onSettled(s: Settlement): void {
    const e = this.release(s.id);
    if (!e) return;
    if (s.kind === 'ok') this.succeed(e, s.value as R);
    else if (this.stopping) {
      // A task that failed or asked for a retry after cancellation was interrupted, not finished: it is not
      // written, so a resumed run does it again.
    } else if (s.kind === 'error') this.complete(e, { ok: false, error: s.error });
    else if (e.attempt > this.maxRetries) {
      // A safety net for a task that would ask forever; tasks normally give up themselves (ctx.attempt).
      this.complete(e, {
        ok: false,
        error: { name: 'FanoutError', code: 'RETRIES_EXHAUSTED', message: `asked to run again ${e.attempt} times (maxRetries ${this.maxRetries}): ${s.reason}` },
      });
    } else {
      this.stats.retries++;
      e.attempt++;
      if (s.pauseKey && e.key !== FREE) {
        this.sem.pause(e.key, s.delayMs);
        this.pausedKeys.add(e.key);
        this.wakeLater(s.delayMs);
      }
      this.parkLater(e, s.delayMs);
    }
    this.o.onProgress?.(this.stats); // admission runs once per batch (batchSettled), not per item
  }

  private onCrashed(ids: number[], error: SerializedError, beforeReady: boolean): void {
    for (const id of ids) {
      const e = this.release(id);
      if (!e || this.stopping) continue;
      if (beforeReady) {
        this.waiting.park(e); // not this item's fault
        continue;
      }
      e.crashes++;
      this.stats.crashes++;
      if (e.crashes > (this.o.maxCrashRetries ?? 2) && ids.length > 1) {
        // It always died in company, so it may be innocent: run it alone once before blaming it.
        e.alone = true;
        this.waiting.park(e);
      } else if (e.crashes > (this.o.maxCrashRetries ?? 2)) {
        this.complete(e, {
          ok: false,
          error: { name: 'FanoutError', code: 'WORKER_CRASHED', message: `${error.message}, ${e.crashes} times while running this item` },
        });
      } else this.waiting.park(e);
    }
    this.settledOne();
  }

  private onTimedOut(overdue: number[], others: number[], shared: boolean): void {
    for (const id of others) {
      const e = this.release(id);
      if (e && !this.stopping) this.waiting.park(e); // held up by the stuck one: not its fault
    }
    for (const id of overdue) {
      const e = this.release(id);
      if (!e || this.stopping) continue;
      e.timeouts++;
      this.stats.timeouts++;
      if (shared && !e.alone) {
        // Another task on its worker may have been what held it: run it alone once before blaming it.
        e.alone = true;
        this.waiting.park(e);
      } else {
        this.complete(e, {
          ok: false,
          error: { name: 'FanoutError', code: 'TIMEOUT', message: `still running after the task time limit of ${this.o.taskTimeoutMs} ms: its worker was stopped and replaced` },
        });
      }
    }
    this.settledOne();
  }

  private settledOne(): void {
    this.o.onProgress?.(this.stats);
    this.pump();
  }

  private parkLater(e: Entry<I>, ms: number): void {
    if (ms <= 0) return this.waiting.park(e);
    const t = setTimeout(() => {
      this.delayed.delete(t);
      if (this.stopping) return this.maybeFinish();
      this.waiting.park(e);
      this.pump();
    }, ms);
    this.delayed.add(t);
  }

  /** The hot path: one object per result, always of the same shape. */
  private succeed(e: Entry<I>, value: R): void {
    this.stats.settled++;
    this.results.push({ index: e.index, item: e.item, attempts: e.attempt + e.crashes + e.timeouts, ok: true, value });
  }

  private complete(e: Entry<I>, r: { ok: true; value: R } | { ok: false; error: SerializedError }): void {
    if (r.ok) return this.succeed(e, r.value);
    this.stats.settled++;
    this.results.push({ index: e.index, item: e.item, attempts: e.attempt + e.crashes + e.timeouts, ok: false, error: r.error });
  }

  private maybeFinish(): void {
    if (this.resultsClosed || this.inflight.size > 0) return;
    const done = this.stopping || (this.sourceDone && this.waiting.size === 0 && this.delayed.size === 0 && !this.pulling);
    if (!done) return;
    this.resultsClosed = true;
    this.results.close();
  }

  private cancel(): void {
    if (this.stopping) return;
    this.cancelled = true;
    this.stop(null);
  }

  /** Stops admission; in-flight tasks are aborted and given `cancelGraceMs` to settle. */
  private stop(error: unknown): void {
    if (error && !this.fatal) this.fatal = error;
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.waiting.drain();
    // Tasks the pool had not sent to a worker never ran: they are done with at once.
    for (const id of this.pool.cancel(this.inflight.keys())) this.release(id);
    if (this.inflight.size > 0) {
      this.graceTimer = setTimeout(() => {
        // Tasks that did not settle may be stuck in synchronous code, where no signal reaches them: their workers
        // are ended now, so the run ends within the grace period (closing would wait for them as long again).
        if (this.mode !== 'async') this.pool.endBusy();
        for (const id of [...this.inflight.keys()]) this.release(id);
        this.maybeFinish();
      }, this.o.cancelGraceMs ?? 5000);
    }
    this.maybeFinish();
  }
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new FanoutError('INVALID_OPTION', `${name} must be a whole number >= 1, got ${n}`);
  return n;
}

async function closeIterator(it: Iterator<unknown> | AsyncIterator<unknown>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // the source is being abandoned; its own errors no longer matter
  }
}
