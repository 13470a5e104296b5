/** Picks the executor for a mode: the one place that knows which runtimes exist. */
import type { ClusterOptions } from '../cluster/queue-executor.js';
import { FanoutError } from './errors.js';
import type { Executor, ExecutorEvents, ExecutorSpec } from './executor.js';
import { WorkerPool } from './pool.js';
import type { Mode } from './runtimes/channel.js';
import { spawnerFor } from './runtimes/index.js';

/** A local runtime, or 'cluster': remote workers that pull from a queue in Redis. */
export type RunMode = Mode | 'cluster';

export async function createExecutor(mode: RunMode, spec: ExecutorSpec, events: ExecutorEvents, cluster?: ClusterOptions): Promise<Executor> {
  if (mode === 'cluster') {
    if (!cluster?.url) throw new FanoutError('INVALID_OPTION', "mode 'cluster' needs cluster: { url }");
    // Loaded only here: local runs never load BullMQ or ioredis.
    const { createQueueExecutor } = await import('../cluster/queue-executor.js');
    return createQueueExecutor(spec, events, cluster);
  }
  return new WorkerPool(spawnerFor(mode, spec.module), spec.workers, spec.module, spec.options, events, spec.fairShare, spec.taskTimeoutMs);
}
