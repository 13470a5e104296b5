/**
 * A strategy is one way to run the job: a runtime mode and, for threads and procs, a worker count; for
 * cluster, the number of local `fanout worker` processes compare starts against the given Redis.
 */
import type { Mode } from '../engine/runtimes/channel.js';
import { MODES } from '../engine/runtimes/channel.js';
import { FanoutError } from '../engine/errors.js';

export type StrategyMode = Mode | 'cluster';

export interface Strategy {
  /** Stable name used in every report: `async`, `threads:2`, `procs:4`, `cluster:2`. */
  id: string;
  mode: StrategyMode;
  /** 1 for async (it has no workers); for cluster, the worker processes. */
  workers: number;
}

const ALL_MODES: readonly StrategyMode[] = [...MODES, 'cluster'];

/**
 * Every mode × worker-count combination, in the order given; async ignores worker counts (one strategy).
 * `cluster` needs the Redis URL (compare's --cluster), which stays out of the strategy (and so of reports).
 */
export function expandStrategies(modes: readonly string[], workers: readonly number[], cluster?: string): Strategy[] {
  if (modes.length === 0) throw new FanoutError('BAD_STRATEGY', `name at least one mode (${ALL_MODES.join(', ')})`);
  for (const m of modes) {
    if (!(ALL_MODES as readonly string[]).includes(m)) {
      throw new FanoutError('BAD_STRATEGY', `unknown mode '${m}': use ${ALL_MODES.join(', ')}`);
    }
  }
  if (modes.includes('cluster') && !cluster) throw new FanoutError('BAD_STRATEGY', "mode 'cluster' needs --cluster URL (the Redis its workers use)");
  if (cluster && !modes.includes('cluster')) throw new FanoutError('BAD_STRATEGY', "--cluster is for the mode 'cluster': add it to --modes");
  for (const w of workers) {
    if (!Number.isInteger(w) || w < 1) throw new FanoutError('BAD_STRATEGY', `worker counts must be whole numbers >= 1, got ${w}`);
  }
  const counts = [...new Set(workers)];
  const out: Strategy[] = [];
  for (const mode of new Set(modes) as Set<StrategyMode>) {
    if (mode === 'async') out.push({ id: 'async', mode, workers: 1 });
    else {
      if (counts.length === 0) throw new FanoutError('BAD_STRATEGY', `--workers is empty: ${mode} needs a worker count`);
      for (const w of counts) out.push({ id: `${mode}:${w}`, mode, workers: w });
    }
  }
  return out;
}

/** The job flags that select this strategy (async is the default: no flag). */
export function strategyFlags(s: Strategy, clusterUrl?: string): string[] {
  if (s.mode === 'cluster') return ['--cluster', clusterUrl!];
  return s.mode === 'async' ? [] : [`--${s.mode}`, String(s.workers)];
}
