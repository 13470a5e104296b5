/** The comparison: everything a report shows, and what report.json holds. */
import type { Verdict } from './correctness.js';
import type { Environment } from './environment.js';
import type { Sample } from './sample.js';
import type { Relative, Summary } from './stats.js';
import type { Strategy } from './strategy.js';

export const SCHEMA = 'fanout-compare/1';

export interface Workload {
  /** The job compared: scrape, copy (or a test fixture's name). */
  job: string;
  /** The job's own arguments, as the user gave them. */
  args: string[];
  /** One line a reader understands: what was run, on what. */
  description: string;
  runs: number;
  warmup: number;
  /** Items per run and bytes per run, from the first successful run (the same for every correct strategy). */
  items: number | null;
  bytes: number | null;
  /** What compare did around the runs (e.g. "DST emptied before each run"). */
  notes: string[];
}

export interface Warning {
  code:
    | 'OUTLIERS'
    | 'SLOW_FIRST_RUN'
    | 'TOO_FEW_RUNS'
    | 'RESULT_DIFFERS'
    | 'RESULT_UNSTABLE'
    | 'NO_MAJORITY'
    | 'RUN_FAILED'
    | 'ITEMS_FAILED'
    | 'WITHIN_NOISE'
    | 'BUSY_MACHINE';
  /** The strategy it concerns; absent for the whole comparison. */
  strategy?: string;
  message: string;
}

export interface StrategyResult extends Strategy {
  /** Measured runs that count (not warm-ups, not failed). */
  runs: number;
  wallMs: Summary;
  userMs: Summary;
  systemMs: Summary;
  /** User + system CPU per run: what "used the least CPU" is judged by. */
  cpuMs: Summary;
  /** Peak RSS of the process tree per run (sampled). */
  peakRssBytes: Summary | null;
  itemsPerSec: Summary | null;
  bytesPerSec: Summary | null;
  eventLoopDelayP99Ms: Summary | null;
  /** Per run, from the job's summary (medians). */
  failed: number | null;
  retries: number | null;
  correctness: Verdict;
  /** 1 = fastest; null when not ranked (flagged by the correctness gate or no valid runs). */
  rank: number | null;
  relative: Relative | null;
  /**
   * Async's median CPU time / cores / this strategy's median wall time: the share of what the machine's cores allow
   * that this strategy reaches on the work async does (async itself can exceed 1/cores: V8 collects garbage on
   * helper threads). Null without a measured async strategy.
   */
  parallelEfficiency: number | null;
  warnings: Warning[];
}

export interface Comparison {
  schema: typeof SCHEMA;
  environment: Environment;
  workload: Workload;
  method: {
    freshProcessPerRun: true;
    interleaved: true;
    /** How often the process tree's RSS was sampled; 0 when it could not be (not Linux). */
    rssSampleIntervalMs: number;
    cpuSource: 'parent' | 'job';
    rankedBy: 'median wall time';
  };
  /** In the order the strategies were given; `rank` orders them. */
  strategies: StrategyResult[];
  majorityHash: string | null;
  /** Comparison-wide warnings, then each strategy's. */
  warnings: Warning[];
  /** Every run, warm-ups included, in the order they ran. */
  samples: Sample[];
  totalMs: number;
}
