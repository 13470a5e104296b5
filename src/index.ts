/** fanout's library API: run a task over a stream of items on an async, threads or procs pool. */
export { run } from './engine/coordinator.js';
export type { Outcome, RunOptions, RunStats, RunSummary } from './engine/coordinator.js';
export { defineTask } from './engine/task.js';
export type { TaskContext, TaskFactory, TaskFn } from './engine/task.js';
export { FanoutError, RetryLater, isFanoutError, isRetryLater, serializeError, deserializeError, ENGINE_CODES } from './engine/errors.js';
export type { EngineErrorCode } from './engine/errors.js';
export type { SerializedError } from './engine/errors.js';
export { KeyedSemaphore } from './engine/keyed-semaphore.js';
export { OrderedWriter } from './engine/ordered-writer.js';
export { ResultQueue } from './engine/result-queue.js';
export { MODES } from './engine/runtimes/channel.js';
export type { Mode } from './engine/runtimes/channel.js';
export { serve } from './cluster/lazy-serve.js';
export type { ServeOptions, Server } from './cluster/serve.js';
export type { ClusterOptions } from './cluster/queue-executor.js';
export type { RunMode } from './engine/create-executor.js';
