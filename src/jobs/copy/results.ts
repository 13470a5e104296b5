/**
 * Taking results, in walk order: each directory's record when its first batch comes back (the directories whose
 * subtree is done are finished first, pending-dirs.ts), then the batch's records (hard links resolved here), into
 * the sink; a fatal error in any of them stops the run.
 */
import type { Outcome } from '../../engine/coordinator.js';
import type { BatchResult } from './batch-result.js';
import { decodeBatch } from './batch-result.js';
import type { InFlight } from './batches.js';
import { fatalOf, recordError } from './errors.js';
import type { HardLinks } from './hard-links.js';
import type { CopyOptions } from './options.js';
import type { PendingDirs } from './pending-dirs.js';
import { failedRecord, type CopyRecord } from './record.js';
import type { RecordSink } from './record-sink.js';
import type { RunStop } from './run-stop.js';
import type { CopyItem } from './task.js';
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
  readonly take = async (r: Outcome<CopyItem, BatchResult>): Promise<void> => {
    const { sink, dirs, stop } = this;
    if (stop.fatal) return;
    const item = r.item;
    const head = this.inFlight.taken(r.index);
    if (head) {
      dirs.closeUntil(item.dir);
      sink.emit(head.record);
      if (head.record.action !== 'skip') dirs.markDirty();
      if (head.pending) dirs.open(head.pending);
    }
    // A worker died while it held this batch (it ran again, or failed): what it was writing is left as temps.
    if (r.attempts > 1 || !r.ok) dirs.sweepLater(item.dir);
    if (r.ok && !sink.wanted && !r.value.extra) {
      // Nobody reads the records and none failed or needs its hard link resolved: count them and move on.
      if (sink.count(r.value)) dirs.markDirty();
    } else {
      for (let rec of this.recordsOf(r)) {
        if (stop.fatal) break;
        if (rec.linkKey) rec = await this.links.resolve(rec, item);
        sink.emit(rec);
        if (rec.action !== 'skip' || !rec.ok) dirs.markDirty();
        stop.failOn(rec.error);
      }
    }
    sink.flush();
    const progress = sink.progress;
    progress.elapsedMs = performance.now() - this.started;
    if (this.counter) progress.total = this.counter.current();
    this.onProgress?.(progress);
    await sink.drained();
  };

  /** The end of the run: the root's (and the last directories') metadata, whose failures are records too. */
  async finish(): Promise<void> {
    this.dirs.closeUntil(null);
    this.sink.flush();
    await this.sink.drained();
  }

  private recordsOf(r: Outcome<CopyItem, BatchResult>): CopyRecord[] {
    const item = r.item;
    const pathOf = (name: string) => (item.dir ? `${item.dir}/${name}` : name);
    if (r.ok) return decodeBatch(r.value, (i) => pathOf(item.names[i]), item.types);
    const fatal = fatalOf(r.error);
    if (fatal) {
      this.stop.fail(fatal);
      return [];
    }
    const error = recordError(r.error);
    return item.names.map((n, i) => failedRecord(pathOf(n), item.types[i], 'copy', error));
  }
}
