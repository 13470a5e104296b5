/** A strategy is one way to run the job: a runtime mode and, for threads and procs, a worker count. */
import type { Mode } from '../engine/runtimes/channel.js';
import { MODES } from '../engine/runtimes/channel.js';
import { FanoutError } from '../engine/errors.js';

export interface Strategy {
  /** Stable name used in every report: `async`, `threads:2`, `procs:4`. */
  id: string;
  mode: Mode;
  /** 1 for async (it has no workers). */
  workers: number;
}

/** Every mode × worker-count combination, in the order given; async ignores worker counts (one strategy). */
export function expandStrategies(modes: readonly string[], workers: readonly number[]): Strategy[] {
  if (modes.length === 0) throw new FanoutError('BAD_STRATEGY', 'name at least one mode (async, threads, procs)');
  for (const m of modes) {
    if (!(MODES as readonly string[]).includes(m)) {
      throw new FanoutError('BAD_STRATEGY', `unknown mode '${m}': use ${MODES.join(', ')}`);
    }
  }
  for (const w of workers) {
    if (!Number.isInteger(w) || w < 1) throw new FanoutError('BAD_STRATEGY', `worker counts must be whole numbers >= 1, got ${w}`);
  }
  const counts = [...new Set(workers)];
  const out: Strategy[] = [];
  for (const mode of new Set(modes) as Set<Mode>) {
    if (mode === 'async') out.push({ id: 'async', mode, workers: 1 });
    else {
      if (counts.length === 0) throw new FanoutError('BAD_STRATEGY', `--workers is empty: ${mode} needs a worker count`);
      for (const w of counts) out.push({ id: `${mode}:${w}`, mode, workers: w });
    }
  }
  return out;
}

/** The job flags that select this strategy (async is the default: no flag). */
export function strategyFlags(s: Strategy): string[] {
  return s.mode === 'async' ? [] : [`--${s.mode}`, String(s.workers)];
}
