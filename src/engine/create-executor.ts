/** Picks the executor for a mode: the one place that knows which runtimes exist. */
import type { Executor, ExecutorEvents, ExecutorSpec } from './executor.js';
import { WorkerPool } from './pool.js';
import type { Mode } from './runtimes/channel.js';
import { spawnerFor } from './runtimes/index.js';

export async function createExecutor(mode: Mode, spec: ExecutorSpec, events: ExecutorEvents): Promise<Executor> {
  return new WorkerPool(spawnerFor(mode, spec.module), spec.workers, spec.module, spec.options, events, spec.fairShare, spec.taskTimeoutMs);
}
