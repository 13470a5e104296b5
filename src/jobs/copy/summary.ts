/** What a copy reports while it runs (CopyProgress) and once it is done (CopySummary). */
import type { RunSummary } from '../../engine/coordinator.js';
import type { RunMode } from '../../engine/create-executor.js';
import type { CopyRecordError } from './errors.js';
import type { CopySettings } from './options.js';
import type { RecordSink } from './record-sink.js';
import type { TreeTotal } from './tree-total.js';

export interface CopyProgress {
  entries: number;
  /** Entries written (mkdir, copy, link, symlink, mkfifo, mknod, meta). */
  copied: number;
  skipped: number;
  failed: number;
  /** Entries removed from DST by --delete (or, dry, that would be). */
  deleted: number;
  /** File data bytes written. */
  bytes: number;
  elapsedMs: number;
  /** With `estimateTotal`: the size of SRC counted so far (`done` once all of it is). */
  total?: Readonly<TreeTotal>;
}

export interface CopySummary extends CopyProgress {
  src: string;
  dst: string;
  mode: RunMode;
  workers: number;
  dryRun: boolean;
  cancelled: boolean;
  /** With --delete: why nothing was deleted (entries failed, or the run stopped), else absent. */
  deleteSkipped?: string;
  /** The first few failures, for the summary line. */
  firstFailures: Array<{ path: string; error: CopyRecordError }>;
  /** With `hashRecords`: sha256 (hex) of the records in walk order, timings left out. */
  recordHash?: string;
}

export function summarize(settings: CopySettings, sink: RecordSink, ran: RunSummary, started: number, deleteSkipped?: string): CopySummary {
  const recordHash = sink.digest();
  return {
    ...sink.progress,
    elapsedMs: performance.now() - started,
    src: settings.src,
    dst: settings.dst,
    mode: ran.mode,
    workers: ran.workers,
    dryRun: settings.dryRun,
    cancelled: ran.cancelled,
    firstFailures: sink.firstFailures,
    ...(deleteSkipped !== undefined ? { deleteSkipped } : {}),
    ...(recordHash !== undefined ? { recordHash } : {}),
  };
}
