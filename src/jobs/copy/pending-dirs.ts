/**
 * The bottom-up finish of destination directories: a directory's mode, owner and times are set once every record
 * of its subtree is in (after its children are written, so their writes do not move its mtime, and a read-only
 * directory is made read-only last). Records come back in walk order, so the directories still being written are
 * a stack: the path from the root to the directory of the latest record.
 */
import { closeSync, constants, openSync, type Stats } from 'node:fs';
import type { CleanDirs } from './clean-dirs.js';
import type { DirCache } from './dir-ref.js';
import { fsPath } from './fs-path.js';
import { applyDirMeta, exactTimes } from './metadata.js';
import type { CopySettings } from './options.js';
import { failedRecord } from './record.js';
import type { RecordSink } from './record-sink.js';
import type { RunStop } from './run-stop.js';
import type { Sweep } from './temp.js';
import { nsOf } from './times.js';

export interface PendingDir {
  rel: string;
  stat: Stats;
  /** Its atime before the walk listed it, exact (walk.ts). */
  atimeNs?: bigint;
  /**
   * Something in it was written, or its metadata differs: its mode and times are set (after an lstat) once its
   * subtree is done. A directory of a re-run where everything was skipped needs neither the lstat nor a write.
   */
  dirty: boolean;
  /** A batch of it ended in a worker crash (or failed as a whole): temps may be left, swept before its metadata. */
  sweep?: boolean;
  /** The DST folder as an lstat saw it before it was found free of temps (clean-dirs.ts): noted if nothing writes in it. */
  cleanAt?: Stats;
}

export class PendingDirs {
  /** Directories whose subtree is still being written, root first: each is the parent of the next. */
  private readonly stack: PendingDir[] = [];

  constructor(
    private readonly settings: CopySettings,
    private readonly dstDirs: DirCache,
    private readonly sweep: Sweep,
    private readonly sink: RecordSink,
    private readonly stop: RunStop,
    private readonly clean: CleanDirs | null,
  ) {}

  /** A directory whose record was just emitted: its entries' records follow. */
  open(dir: PendingDir): void {
    this.stack.push(dir);
  }

  /** The directory of the record just emitted has had something written in it. */
  markDirty(): void {
    if (this.stack.length > 0) this.stack[this.stack.length - 1].dirty = true;
  }

  /**
   * Finishes the directories whose subtree is done, deepest first, until `rel` is under the top of the stack
   * (null: all of them, at the end of the run). A failure is a second record for the directory.
   */
  closeUntil(rel: string | null): void {
    const { stack } = this;
    const { dryRun } = this.settings;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (rel !== null && (top.rel === '' || rel === top.rel || rel.startsWith(`${top.rel}/`))) break;
      stack.pop();
      if (dryRun) continue;
      if (top.sweep) {
        const swept = this.sweep(top.rel);
        if (swept.removed > 0) top.dirty = true;
        if (swept.left !== 0) top.cleanAt = undefined;
      }
      // A folder written in is not noted: listing it again once its times are set would move its atime, and a
      // listing before then leaves a moment in which a concurrent run's temp could come unseen. The next run sweeps it.
      if (!top.dirty) {
        if (top.cleanAt) this.clean?.note(top.rel, top.cleanAt);
        continue;
      }
      try {
        this.applyMeta(top);
      } catch (err) {
        const error = this.stop.entryFailure(err, top.rel || '.');
        if (!error) return;
        this.sink.emit(failedRecord(top.rel || '.', 'dir', 'meta', error));
      }
    }
  }

  /**
   * Marks a directory still being written to be swept before its metadata is set (then nobody writes in it). A dead
   * worker may have written in it, which its records do not tell (the retry finds those entries done): its times are set.
   */
  sweepLater(rel: string): void {
    if (this.settings.dryRun) return;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i].rel === rel) {
        this.stack[i].sweep = true;
        this.stack[i].dirty = true;
        return;
      }
    }
    this.sweep(rel); // not pending (its own record failed): nothing else of it runs
  }

  /** After a stop: the temps of directories marked to be swept (see sweepLater). */
  sweepMarked(): void {
    for (const d of this.stack) if (d.sweep) this.sweep(d.rel);
  }

  private applyMeta(dir: PendingDir): void {
    const d = this.dstDirs.acquire(dir.rel);
    // Without anchors the directory is opened by path, just for this
    const fd = d.fd >= 0 ? d.fd : openSync(fsPath(d.path), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      applyDirMeta(fd, dir.stat, this.settings.id, this.timesOf(dir));
    } finally {
      if (fd !== d.fd) closeSync(fd);
      this.dstDirs.release(dir.rel);
    }
  }

  /** A directory's times: the atime from before the walk listed it, the mtime from a bigint lstat (times.ts). */
  private timesOf(dir: PendingDir) {
    const { src } = this.settings;
    const t = exactTimes(fsPath(dir.rel ? `${src}/${dir.rel}` : src), dir.stat);
    return { ...t, atimeNs: nsOf(dir.stat.atimeMs, dir.atimeNs) };
  }
}
