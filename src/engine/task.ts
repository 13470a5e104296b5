/** The task contract: the one piece of code that runs wherever the mode puts it. */

export interface TaskContext {
  /**
   * Aborted when the run is cancelled; a task should stop promptly and throw. One signal serves every task of a
   * worker: remove the listeners you add. In a worker process, reading it also checks that the coordinator is
   * still there: an orphaned worker exits at that point.
   */
  signal: AbortSignal;
  /** 1 on the first run of this item; grows each time the task throws RetryLater. */
  attempt: number;
  /** The item's 0-based position in the input. */
  index: number;
  /**
   * Frees the item's per-key slot now, before the task ends: its request is done and what is left (parsing,
   * building the record) is no reason to hold the next request to the same host. The item still counts
   * towards `concurrency` until it ends. Calling it again, or for an item without a key, does nothing.
   */
  releaseKey(): void;
}

export type TaskFn<I = unknown, R = unknown> = ((item: I, ctx: TaskContext) => R | Promise<R>) & {
  /** Optional: release what the task holds (sockets, agents) when its worker shuts down. */
  close?: () => void | Promise<void>;
};

/**
 * A task module's default export: called once per worker (once in async mode) with the run's
 * `taskOptions`, which must be structured-clone safe. Returns the task function.
 */
export type TaskFactory<I = unknown, R = unknown, O = any> = (options: O) => TaskFn<I, R> | Promise<TaskFn<I, R>>;

export function defineTask<I, R, O = unknown>(factory: TaskFactory<I, R, O>): TaskFactory<I, R, O> {
  return factory;
}
