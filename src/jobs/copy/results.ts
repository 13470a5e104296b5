/**
 * Taking results, in walk order: each directory's record when its first batch comes back (the directories whose
 * subtree is done are finished first, pending-dirs.ts), then the batch's records (hard links resolved here), into
 * the sink; a fatal error in any of them stops the run.
 */
import type { Outcome } from '../../engine/coordinator.js';
import { decodeBatch, type BatchResult } from './batch-result.js';
import type { DirHead, InFlight } from './batches.js';
import { fatalOf, recordError } from './errors.js';
import type { HardLinks } from './hard-links.js';
import type { CopyOptions } from './options.js';
import type { PendingDirs } from './pending-dirs.js';
import { failedRecord, type CopyRecord } from './record.js';
import type { RecordSink } from './record-sink.js';
import type { RunStop } from './run-stop.js';
import type { CopyItem, CopyResult, FolderBatch } from './task.js';
import type { TreeCount } from './tree-total.js';

export class Results {
  constructor(
    private readonly sink: RecordSink,
    private readonly dirs: PendingDirs,
    private readonly inFlight: InFlight,
    private readonly links: HardLinks,
    private readonly stop: RunStop,
    private readonly counter: TreeCount | null,
    private readonly onProgress: CopyOptions['onProgress'],
    private readonly started: number,
  ) {}

  /** The engine's onResult. Its promise settles once onRecord's promises have (backpressure). */
  readonly take = async (r: Outcome<CopyItem, CopyResult>): Promise<void> => {
    const { sink, stop } = this;
    if (stop.fatal) return;
    const sent = this.inFlight.taken(r.index);
    let i = 0;
    for (; i < r.item.length && !stop.fatal; i++) await this.takeBatch(r, i, sent[i]?.head);
    // Stopped before the item's last folders: a worker that died with it may have left temps there, swept with the
    // folders still out once the run has stopped (copy.ts).
    if (i < r.item.length && (r.attempts > 1 || !r.ok)) this.inFlight.sent(r.index, sent.slice(i));
    sink.flush();
    const progress = sink.progress;
    progress.elapsedMs = performance.now() - this.started;
    if (this.counter) progress.total = this.counter.current();
    this.onProgress?.(progress);
    await sink.drained();
  };

  /** The item's `i`-th folder batch: its directory's record first if this is the directory's first batch. */
  private async takeBatch(r: Outcome<CopyItem, CopyResult>, i: number, head: DirHead | undefined): Promise<void> {
    const { sink, dirs, stop } = this;
    const batch = r.item[i]!;
    if (head) {
      dirs.closeUntil(batch.dir);
      sink.emit(head.record);
      if (head.record.action !== 'skip') dirs.markDirty();
      if (head.pending) dirs.open(head.pending);
    }
    // A worker died while it held this item (it ran again, or failed): what it was writing is left as temps.
    if (r.attempts > 1 || !r.ok) dirs.sweepLater(batch.dir);
    const value = r.ok ? r.value[i] : undefined;
    if (value && !sink.wanted && !value.extra) {
      // Nobody reads the records and none failed or needs its hard link resolved: count them and move on.
      if (sink.count(value)) dirs.markDirty();
      return;
    }
    for (let rec of this.recordsOf(r, batch, value)) {
      if (stop.fatal) break;
      if (rec.linkKey) rec = await this.links.resolve(rec, batch);
      sink.emit(rec);
      if (rec.action !== 'skip' || !rec.ok) dirs.markDirty();
      stop.failOn(rec.error);
    }
  }

  /** The end of the run: the root's (and the last directories') metadata, whose failures are records too. */
  async finish(): Promise<void> {
    this.dirs.closeUntil(null);
    this.sink.flush();
    await this.sink.drained();
  }

  private recordsOf(r: Outcome<CopyItem, CopyResult>, batch: FolderBatch, value: BatchResult | undefined): CopyRecord[] {
    const pathOf = (name: string) => (batch.dir ? `${batch.dir}/${name}` : name);
    if (value) return decodeBatch(value, (i) => pathOf(batch.names[i]), batch.types);
    if (r.ok) return []; // past a fatal error in the item's worker: these entries were never started
    const fatal = fatalOf(r.error);
    if (fatal) {
      this.stop.fail(fatal);
      return [];
    }
    const error = recordError(r.error);
    return batch.names.map((n, i) => failedRecord(pathOf(n), batch.types[i], 'copy', error));
  }
}
