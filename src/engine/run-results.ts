/** What a run reports: one outcome per item, live counters while it runs, and a summary at the end. */
import type { SerializedError } from './errors.js';
import type { RunMode } from './create-executor.js';

export type Outcome<I, R> =
  | { index: number; item: I; attempts: number; ok: true; value: R }
  | { index: number; item: I; attempts: number; ok: false; error: SerializedError };

export interface RunStats {
  /** Items read from the input so far. */
  pulled: number;
  /** Items that settled (with a value or an error). */
  settled: number;
  /** Results handed to onResult. */
  emitted: number;
  /** Emitted results with ok: false. */
  failed: number;
  inflight: number;
  /** Times a task asked to be run again (RetryLater). */
  retries: number;
  /** Items whose worker died under them. */
  crashes: number;
  /** Items whose worker was terminated because they ran past taskTimeoutMs. */
  timeouts: number;
  /** Largest number of results that waited in the reorder buffer. */
  maxBuffered: number;
  /** Largest distance between the newest admitted item and the oldest unwritten one. */
  maxAhead: number;
}

export interface RunSummary extends RunStats {
  cancelled: boolean;
  elapsedMs: number;
  mode: RunMode;
  workers: number;
}
