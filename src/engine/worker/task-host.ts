/**
 * Worker side of the protocol, shared by all three runtimes: loads the task module, runs the tasks it is sent,
 * and sends settlements back in batches.
 */
import { setMaxListeners } from 'node:events';
import { FanoutError, isRetryLater, serializedError, serializeError } from '../errors.js';
import { type FromWorker, type Settlement, type ToWorker, type WireTask } from '../protocol.js';
import type { TaskContext, TaskFn } from '../task.js';
import { TurnClock } from '../turn-clock.js';
import { saveCodeCache } from './code-cache-save.js';
import { importTaskModule } from './held-modules.js';

/** How long a settlement may wait for others to share its message. */
const FLUSH_AFTER_MS = 2;

const cancelReason = () => new FanoutError('CANCELLED', 'run cancelled');

/** A task's context: what it knows of its item, and the worker's cancellation signal. */
class Context implements TaskContext {
  constructor(
    readonly attempt: number,
    readonly index: number,
    readonly id: number,
    private readonly host: TaskHost,
  ) {}

  releaseKey(): void {
    this.host.releaseKey(this.id);
  }

  get signal(): AbortSignal {
    this.host.checkCoordinator();
    return this.host.signal;
  }
}

export class TaskHost {
  private fn: TaskFn | null = null;
  private ready: Promise<TaskFn | null> | null = null;
  /**
   * One signal for every task of this worker. Cancellation always ends the run (the coordinator cancels all it
   * has in flight and starts nothing more), so a controller per task bought nothing, and it cost ~6 % of a
   * fast scrape's CPU (an AbortSignal is an EventTarget, and undici listens on it per request).
   */
  private readonly cancelController = new AbortController();
  readonly signal: AbortSignal = this.cancelController.signal;
  private outbox: Settlement[] = [];
  private released: number[] = [];
  private flushScheduled = false;
  /** Whether the code cache was offered this worker's compiled code (after its first results: warm by then; once). */
  private cacheSaved = false;
  /** How long this turn of the event loop has been running tasks here (see settle). */
  private readonly turn = new TurnClock();
  private readonly flush = () => this.flushNow();

  constructor(
    private readonly post: (msg: FromWorker) => void,
    /** How settlements are batched: setImmediate across a boundary, a microtask in-process. */
    private readonly schedule: (fn: () => void) => void = setImmediate,
    /**
     * Called whenever a task reads its signal, which a task does between steps of its work (a copy, between
     * entries): a worker process ends there when its coordinator is gone, even inside a long synchronous batch.
     */
    readonly checkCoordinator: () => void = () => {},
  ) {
    setMaxListeners(0, this.signal); // one listener per request in flight is expected, not a leak
  }

  handle(msg: ToWorker): void {
    switch (msg.t) {
      case 'preload':
        // Only a head start: init imports the module it names and reports a failure. The pool adopts a
        // pre-started worker only for the module it preloaded (runtimes/prestart.ts).
        importTaskModule(msg.module).catch(() => {});
        break;
      case 'init':
        this.ready = this.init(msg.module, msg.options);
        break;
      case 'run':
        for (const task of msg.tasks) this.start(task);
        break;
      case 'cancel':
        this.cancelController.abort(cancelReason());
        break;
      case 'close':
        void this.close();
        break;
    }
  }

  private async init(module: string, options: unknown): Promise<TaskFn | null> {
    try {
      const mod = (await importTaskModule(module)) as { default?: unknown };
      if (typeof mod.default !== 'function') {
        throw new FanoutError('BAD_TASK_MODULE', `${module} has no default export function (the task factory)`);
      }
      const fn = (await (mod.default as (o: unknown) => unknown)(options)) as TaskFn;
      if (typeof fn !== 'function') throw new FanoutError('BAD_TASK_MODULE', `the task factory in ${module} did not return a function`);
      this.fn = fn;
      this.post({ t: 'ready' });
      return fn;
    } catch (err) {
      this.post({ t: 'init-failed', error: serializeError(err, 'WORKER_INIT_FAILED') });
      return null;
    }
  }

  /** Called by a context whose task freed its key early: goes out with the next batch of results. */
  releaseKey(id: number): void {
    this.released.push(id);
    this.scheduleFlush();
  }

  private start(task: WireTask): void {
    const ctx = new Context(task.attempt, task.index, task.id, this);
    const fn = this.fn;
    if (!fn) {
      // Still loading: run once the module is ready.
      void this.ready!.then(
        (loaded) =>
          loaded ? this.call(loaded, task, ctx) : this.fail(task.id, new FanoutError('WORKER_INIT_FAILED', 'task module failed to load')),
      );
      return;
    }
    this.call(fn, task, ctx);
  }

  /** Runs the task; a synchronous result settles without a promise (the common case for cheap tasks). */
  private call(fn: TaskFn, task: WireTask, ctx: Context): void {
    this.turn.elapsed();
    let value: unknown;
    try {
      value = fn(task.item, ctx);
    } catch (err) {
      return this.fail(task.id, err);
    }
    if (isThenable(value)) {
      const id = task.id;
      value.then(
        (v) => this.settle({ id, kind: 'ok', value: v }),
        (err: unknown) => this.fail(id, err),
      );
    } else this.settle({ id: task.id, kind: 'ok', value });
  }

  private fail(id: number, err: unknown): void {
    if (!isRetryLater(err)) return this.settle({ id, kind: 'error', error: serializeError(err) });
    const retry: Settlement = { id, kind: 'retry', delayMs: err.delayMs, pauseKey: err.pauseKey, reason: err.message };
    // A RetryLater of an older copy of fanout has no `carry`.
    if (err.carry !== undefined) retry.carry = err.carry;
    this.settle(retry);
  }

  private settle(s: Settlement): void {
    this.outbox.push(s);
    // Synchronous tasks sent together run back to back in one turn: once that turn has lasted FLUSH_AFTER_MS,
    // results go as they come, so the coordinator can send more work (and write records) meanwhile. Results of
    // tasks that finish in separate turns (I/O) are batched until the turn ends.
    const now = performance.now();
    if (this.turn.elapsed(now) > FLUSH_AFTER_MS) {
      this.turn.restart(now);
      return this.flushNow();
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(this.flush);
    }
  }

  private flushNow(): void {
    this.flushScheduled = false;
    const settled = this.outbox;
    this.outbox = [];
    const released = this.released;
    if (released.length > 0) this.released = [];
    try {
      this.post(released.length > 0 ? { t: 'results', settled, released } : { t: 'results', settled });
    } catch (err) {
      // A value that cannot cross the boundary (a function, a socket) must fail its own item, not kill the
      // worker and every other item in flight with it.
      if (released.length > 0) this.post({ t: 'results', settled: [], released });
      this.postOneByOne(settled);
    }
    if (!this.cacheSaved) {
      this.cacheSaved = true;
      this.schedule(saveCodeCache);
    }
  }

  private postOneByOne(settled: Settlement[]): void {
    for (const s of settled) {
      try {
        this.post({ t: 'results', settled: [s] });
      } catch (err) {
        const message = `the result of this item cannot be sent to the coordinator: ${(err as Error).message}`;
        this.post({ t: 'results', settled: [{ id: s.id, kind: 'error', error: serializedError('RESULT_NOT_CLONEABLE', message) }] });
      }
    }
  }

  private async close(): Promise<void> {
    try {
      const fn = this.fn ?? (this.ready ? await this.ready : null);
      await fn?.close?.();
    } finally {
      saveCodeCache(); // a run shorter than a turn may end before the one scheduled after the first results
      this.post({ t: 'closed' });
    }
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
