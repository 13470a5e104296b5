/** One run of one strategy, as measured by compare (the parent) and reported by the job (its summary). */
import type { RunSummary } from './run-summary.js';

export interface Sample {
  strategy: string;
  /** 0-based; warm-up rounds come first and count separately. */
  round: number;
  warmup: boolean;
  /** Position in the whole session (runs are interleaved across strategies). */
  sequence: number;
  /** Wall time from spawn to exit, measured by compare. */
  wallMs: number;
  /** CPU of the job process and every descendant it waited for. */
  userMs: number;
  systemMs: number;
  /** 'parent': compare's own count of its waited-for children (like /usr/bin/time); 'job': the job's summary. */
  cpuSource: 'parent' | 'job';
  /** Peak of the summed RSS of the process tree (sampled), or the job's own exact peak if that is larger. */
  peakRssBytes: number | null;
  rssSampledBytes: number | null;
  rssSamples: number;
  exitCode: number | null;
  signal: string | null;
  /** The job's summary file, as written (null when the run crashed before writing it). */
  job: RunSummary | null;
  /** What the correctness gate compares: the job's result hash, or compare's own when it checks the result. */
  resultHash: string | null;
  items: number | null;
  itemsPerSec: number | null;
  bytesPerSec: number | null;
  /** Why this run does not count, if it does not: a crash, a missing summary. */
  error: string | null;
}
