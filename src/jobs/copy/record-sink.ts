/**
 * Where records go, in walk order: counted into the progress, the first failures kept for the summary, hashed
 * (hashRecords), written to the log (a result's lines in one write), and handed to onRecord, whose promises hold
 * back the next result (backpressure).
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { BatchResult } from './batch-result.js';
import { tallyBatch } from './batch-result.js';
import { copyFailure } from './errors.js';
import { errorReason } from '../../util/error-reason.js';
import type { CopyOptions } from './options.js';
import type { CopyRecord } from './record.js';
import type { RecordHash } from './record-hash.js';
import type { CopyProgress, CopySummary } from './summary.js';

export class RecordSink {
  readonly progress: CopyProgress = { entries: 0, copied: 0, skipped: 0, failed: 0, deleted: 0, bytes: 0, elapsedMs: 0 };
  /** The first few failures, for the summary line. */
  readonly firstFailures: CopySummary['firstFailures'] = [];
  /** Whether anyone reads the records: if not, a batch of successes is only counted (`count`). */
  readonly wanted: boolean;
  /** Log lines of the result being taken, written together by `flush`. */
  private lines: string[] = [];
  /** What onRecord's promises still wait for: awaited before the next result is taken (`drained`). */
  private waiting: Promise<void> | null = null;
  /** Bytes of whole lines in the log. */
  private logged = 0;

  private constructor(
    /** The log's descriptor, or -1 without --log. */
    private readonly log: number,
    private readonly options: CopyOptions,
    private readonly hash: RecordHash | null,
  ) {
    this.wanted = log >= 0 || hash !== null || options.onRecord !== undefined;
  }

  static async open(options: CopyOptions): Promise<RecordSink> {
    const log = options.log ? logCall(options.log, () => openSync(options.log!, 'w')) : -1;
    // node:crypto loads only when a hash is asked for (compare's runs)
    const hash = options.hashRecords ? new (await import('./record-hash.js')).RecordHash() : null;
    return new RecordSink(log, options, hash);
  }

  emit(r: CopyRecord): void {
    const p = this.progress;
    p.entries++;
    if (!r.ok) {
      p.failed++;
      if (this.firstFailures.length < 5) this.firstFailures.push({ path: r.path, error: r.error! });
    } else if (r.action === 'skip') p.skipped++;
    else if (r.action === 'delete') p.deleted++;
    else p.copied++;
    p.bytes += r.bytes;
    this.hash?.add(r);
    if (this.log >= 0) this.lines.push(JSON.stringify(r));
    const wait = this.options.onRecord?.(r);
    if (wait instanceof Promise) this.waiting = this.waiting ? Promise.all([this.waiting, wait]).then(() => {}) : wait;
  }

  /** Counts a batch nobody reads records of (none failed or needs its hard link resolved); true if it wrote. */
  count(b: BatchResult): boolean {
    const t = tallyBatch(b);
    const p = this.progress;
    p.entries += t.entries;
    p.skipped += t.skipped;
    p.copied += t.entries - t.skipped;
    p.bytes += t.bytes;
    return t.skipped < t.entries;
  }

  /**
   * Writes the log lines of the result just taken, in one write: no torn line if the run stops. A write the disk
   * takes only in part (it filled up) is finished or fails; what a failed one put in is cut off, so the log ends
   * with its last whole record.
   */
  flush(): void {
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(`${this.lines.join('\n')}\n`);
    this.lines = [];
    logCall(this.options.log!, () => {
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(this.log, bytes, done);
      } catch (err) {
        if (done > 0) cutQuietly(this.log, this.logged);
        throw err;
      }
      this.logged += bytes.length;
    });
  }

  /** What onRecord still waits for (null when nothing). */
  drained(): Promise<void> | null {
    const wait = this.waiting;
    this.waiting = null;
    return wait;
  }

  digest(): string | undefined {
    return this.hash?.digest();
  }

  close(): void {
    if (this.log >= 0) closeSync(this.log);
  }
}

/** The log is the user's record of the run: failing to open or write it stops the run with its own code. */
function logCall<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw copyFailure('LOG_FAILED', `cannot write the log ${file}: ${errorReason(err)}`, { cause: err });
  }
}

/** Cuts the log back to `size` bytes; a log that is no regular file (a pipe, a terminal) is left as it is. */
function cutQuietly(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    // not a file that can be cut: the torn tail stays, after the last whole record
  }
}
