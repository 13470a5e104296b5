/**
 * The seam between the coordinator and whatever runs its admitted tasks. The coordinator admits, orders and
 * retries; an executor only carries tasks to a runtime and reports back. The local pool of channels (async,
 * threads, procs) is one executor; a shared queue that remote workers pull from is another.
 */
import type { FanoutError, SerializedError } from './errors.js';
import type { Settlement, WireTask } from './protocol.js';

export interface ExecutorEvents {
  settled(s: Settlement): void;
  /** A running task freed its key's slot early (TaskContext.releaseKey). */
  keyReleased(id: number): void;
  /** A batch of settlements was delivered: a good moment to refill the freed slots in one go. */
  batchSettled(): void;
  /** A worker died with these tasks running on it; `beforeReady` when it never finished loading. */
  crashed(ids: number[], error: SerializedError, beforeReady: boolean): void;
  /**
   * A worker was terminated because `overdue` ran past the task time limit; `others` were running beside them
   * (not their fault). `shared`: other tasks were sent there too, and one of them may be what held the overdue
   * ones up (tasks sent together are all overdue when the first of them never returns).
   */
  timedOut(overdue: number[], others: number[], shared: boolean): void;
  /** Tasks cannot run at all (workers cannot start, the queue is gone): the run must stop. */
  fatal(error: FanoutError): void;
  /**
   * These tasks can never report back: what carried them is gone for good (a queue whose Redis was lost). They are
   * settled at once rather than waited for: interrupted once the run is stopping, else failed with `error`.
   */
  orphaned(ids: number[], error: SerializedError): void;
  /** The first worker has loaded its task: dispatching may begin. */
  ready(): void;
}

export interface Executor {
  /** Queues a task; `alone` asks for a worker with nothing else in flight, so a crash is blamed on the right item. */
  dispatch(task: WireTask, alone?: boolean): void;
  /**
   * Aborts these tasks where they run (their tasks see ctx.signal); returns those that had not been handed to a
   * worker yet (they never ran and will not settle).
   */
  cancel(ids: Iterable<number>): number[];
  /** After a cancel's grace period: ends workers still busy, returns the tasks they held. */
  endBusy(): number[];
  /** Ends every worker: gracefully when they answer, forcibly after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** What every executor is built from; the coordinator fills it in once, defaults applied. */
export interface ExecutorSpec {
  /** URL (file: or absolute path) of the built task module. */
  module: string;
  /** The task factory's options: structured-clone (and, for a queue, JSON) safe. */
  options: unknown;
  /** Workers to start (local modes); 1 in async. */
  workers: number;
  /** Most tasks a ready worker holds while others are still starting. */
  fairShare: number;
  /** Longest one run of a task may take, in ms; Infinity for none. */
  taskTimeoutMs: number;
}
