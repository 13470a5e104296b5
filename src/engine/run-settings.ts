/**
 * The options of a run, each documented once with its default, and the one place that applies the defaults
 * and checks the values: the engine reads only the resolved Settings. A new option is a field of RunOptions
 * (passed through as given) plus, when it has a default or a rule, a line in resolveRunOptions.
 */
import { availableParallelism } from 'node:os';
import { FanoutError } from './errors.js';
import type { ExecutorSpec } from './executor.js';
import type { Outcome, RunStats } from './run-results.js';
import { MODES } from './runtimes/channel.js';
import type { RunMode } from './create-executor.js';
import type { ClusterOptions } from '../cluster/queue-executor.js';

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
  /** Where tasks run, one of MODES, or 'cluster' (remote workers through Redis, see `cluster`). Default: 'async'. */
  mode?: RunMode;
  /** Mode 'cluster': the Redis URL and how long a worker may go silent. Required in that mode. */
  cluster?: ClusterOptions;
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
  /** Item starts per second across the whole run, whatever their keys; a retry is a start too. Default: unlimited. */
  rate?: number;
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
  /**
   * What a worker is sent for an attempt at `item`, made as the attempt is dispatched, retries included: state
   * that earlier attempts changed reaches the later ones (e.g. a cookie jar). Outcomes still carry the item as
   * read. Default: the item itself.
   */
  dispatchItem?: (item: I) => unknown;
  /**
   * Sees each successful value as its attempt settles, in completion order, before anything else is dispatched
   * (onResult comes later, in output order). Default: none.
   */
  onSettled?: (item: I, value: R) => void;
  /**
   * Sees what an attempt that asked to run again carried (RetryLater's `carry`), as it settles, before the retry is
   * dispatched; not called for an attempt that carried nothing or ended after the run was cancelled. Default: none.
   */
  onRetry?: (item: I, carried: unknown) => void;
  /** Called after each settled item with live counters (do not keep the object). Default: none. */
  onProgress?: (stats: Readonly<RunStats>) => void;
  /** How long cancelled tasks get to settle before their workers are terminated, in ms (0 to 2^31-1). Default: 5000. */
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

/** The options that resolveRunOptions gives a default or a normal form; the others pass through as given. */
interface Resolved {
  mode: RunMode;
  /** 1 in 'async'. */
  workers: number;
  concurrency: number;
  /** Infinity for no limit. */
  perKey: number;
  ordered: boolean;
  window: number;
  maxCrashRetries: number;
  maxRetries: number;
  cancelGraceMs: number;
  /** Infinity for no limit, and always in 'async'. */
  taskTimeoutMs: number;
  /** What the executor is built from. */
  executor: ExecutorSpec;
}

/** RunOptions with every default applied and every value checked. */
export type Settings<I, R> = Readonly<Omit<RunOptions<I, R>, keyof Resolved> & Resolved>;

/** Applies the defaults and checks every option; a bad one throws INVALID_OPTION. */
export function resolveRunOptions<I, R>(options: RunOptions<I, R>): Settings<I, R> {
  const { items, task } = options as { items: unknown; task: unknown };
  if (!isIterable(items)) throw invalid('items must be an iterable or an async iterable');
  if (typeof task !== 'string' && !(task instanceof URL)) throw invalid('task must be the path or file URL of a built task module');
  const mode = options.mode ?? 'async';
  if (mode !== 'cluster' && !MODES.includes(mode)) throw invalid(`mode must be ${MODES.join(', ')} or cluster, got ${mode}`);
  const workers = mode === 'async' || mode === 'cluster' ? 1 : atLeast('workers', options.workers ?? availableParallelism(), 1);
  const concurrency = atLeast('concurrency', options.concurrency ?? 16, 1);
  if (options.ratePerKey !== undefined) above0('ratePerKey', options.ratePerKey);
  if (options.rate !== undefined) above0('rate', options.rate);
  const taskTimeoutMs = options.taskTimeoutMs === undefined ? Infinity : above0('taskTimeoutMs', options.taskTimeoutMs);
  const effectiveTimeoutMs = mode === 'async' ? Infinity : taskTimeoutMs;
  return {
    ...options,
    mode,
    workers,
    concurrency,
    perKey: options.perKey === undefined || options.perKey === Infinity ? Infinity : atLeast('perKey', options.perKey, 1),
    ordered: options.ordered ?? true,
    window: atLeast('window', options.window ?? Math.max(1024, 16 * concurrency), 1),
    maxCrashRetries: atLeast('maxCrashRetries', options.maxCrashRetries ?? 2, 0),
    maxRetries: atLeast('maxRetries', options.maxRetries ?? 100, 0),
    cancelGraceMs: timerMs('cancelGraceMs', options.cancelGraceMs ?? 5000),
    taskTimeoutMs: effectiveTimeoutMs,
    executor: {
      module: task instanceof URL ? task.href : task,
      options: options.taskOptions,
      workers,
      fairShare: Math.ceil(concurrency / workers),
      taskTimeoutMs: effectiveTimeoutMs,
    },
  };
}

function isIterable(x: unknown): boolean {
  if (x == null) return false;
  return typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function invalid(message: string): FanoutError {
  return new FanoutError('INVALID_OPTION', message);
}

function atLeast(name: string, n: number, min: 0 | 1): number {
  if (!Number.isInteger(n) || n < min) throw invalid(`${name} must be a whole number >= ${min}, got ${n}`);
  return n;
}

function above0(name: string, n: number): number {
  if (!(n > 0)) throw invalid(`${name} must be a number > 0, got ${n}`);
  return n;
}

/** A timer cannot wait less than 0 ms or more than 2^31-1 ms (Node fires a longer one after 1 ms). */
function timerMs(name: string, n: number): number {
  if (!(n >= 0 && n <= MAX_TIMER_MS)) throw invalid(`${name} must be a number of ms from 0 to ${MAX_TIMER_MS}, got ${n}`);
  return n;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
