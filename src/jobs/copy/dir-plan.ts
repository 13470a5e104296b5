/**
 * The plan for each directory the walk lists, made on the coordinator before any of its entries is dispatched:
 * its destination made or checked (dst-dir.ts), its record, what its batches carry, and whether the walk goes
 * into its subdirectories (not when nothing can be written into it).
 */
import { statSync, type Stats } from 'node:fs';
import { settled, type CleanDirs } from './clean-dirs.js';
import type { DirCache } from './dir-ref.js';
import { prepareDir, readOnlyToUs } from './dst-dir.js';
import type { EntryDir } from './entry.js';
import { copyFailure, entryError, serialized } from './errors.js';
import { metaChanges } from './changes.js';
import type { CopySettings } from './options.js';
import type { PendingDir } from './pending-dirs.js';
import { failedRecord, okRecord, type CopyRecord } from './record.js';
import type { RunStop } from './run-stop.js';
import type { Sweep } from './temp.js';
import type { TreeCount } from './tree-total.js';
import type { Child, DirListing } from './walk.js';

export interface DirPlan {
  /** The directory's own record, emitted before its entries'. */
  record: CopyRecord;
  /** What each batch of its entries carries. */
  entry: EntryDir;
  /** Its non-directory entries to dispatch: none when its record failed. */
  files: Child[];
  /** Its metadata, set once its subtree is done (pending-dirs.ts); null when its record failed. */
  pending: PendingDir | null;
  /** Whether the walk goes into its subdirectories. */
  descend: boolean;
}

export class DirPlanner {
  /** The planned directories on the path to the one being planned, root first. */
  private readonly path: EntryDir[] = [];
  /** DST's root as the run found it (fresh when the run creates it). */
  private readonly root: EntryDir;
  /**
   * DST itself, should the walk meet it: a bind mount of a directory inside SRC hides "DST inside SRC" from
   * checkRoots (DST's ancestors are the mount's, not SRC's), and the copy would copy itself until PATH_MAX.
   */
  private readonly dstId: Stats | null;
  /** And SRC, should DST reach it the same way (prepareDir). */
  private readonly srcRoot: Stats;

  /** Made once DST exists (or, in a dry run, would). */
  constructor(
    private readonly settings: CopySettings,
    private readonly dstDirs: DirCache,
    private readonly sweep: Sweep,
    private readonly stop: RunStop,
    /** With estimateTotal: the counter that may have listed a directory first, and knows its atime from before. */
    private readonly counter: TreeCount | null,
    /** DST's folders found free of temps by the last run: not swept again while unchanged (clean-dirs.ts). */
    private readonly clean: CleanDirs | null,
  ) {
    const { roots, id, dryRun, dst, src } = settings;
    const mode = roots.dstStat ? Number(roots.dstStat.mode) : 0;
    this.root = { dir: '', fresh: !roots.dstStat, sgid: (mode & 0o2000) !== 0, locked: roots.dstStat ? readOnlyToUs(mode, id, dryRun) : false };
    this.dstId = roots.dstStat || !dryRun ? statSync(dst) : null;
    this.srcRoot = statSync(src);
  }

  /** The plan for `l`, or null once a fatal error (disk full, read-only) stopped the run. */
  plan(l: DirListing): DirPlan | null {
    const stat = this.counter ? this.counter.original(l.rel, l.stat, l) : l.stat;
    const { path } = this;
    while (path.length > 0 && !l.rel.startsWith(`${path[path.length - 1].dir}/`) && path[path.length - 1].dir !== '') path.pop();
    const rel = l.rel || '.';
    let entry: EntryDir = l.rel === '' ? this.root : { dir: l.rel, fresh: false, sgid: (path[path.length - 1] ?? this.root).sgid };
    let record: CopyRecord;
    let dirty = true;
    let cleanAt: Stats | undefined;
    if (l.error || !stat) {
      record = failedRecord(rel, 'dir', l.rel ? 'mkdir' : 'skip', entryError(l.error, rel));
    } else if (this.dstId && stat.ino === this.dstId.ino && stat.dev === this.dstId.dev) {
      const e = copyFailure('REFUSED_DST_INSIDE_SRC', `${rel} is DST itself (SRC reaches it through a mount): not copied into itself`);
      record = failedRecord(rel, 'dir', 'mkdir', serialized(e));
    } else if (l.rel === '') {
      ({ record, cleanAt } = this.planRoot(stat));
    } else {
      const made = this.prepare(l.rel, stat, path[path.length - 1] ?? this.root);
      if (!made) return null;
      ({ record, entry, dirty, cleanAt } = made);
    }
    if (!record.ok || !stat) return { record, entry, files: [], pending: null, descend: false };
    path.push(entry);
    return { record, entry, files: l.files, pending: { rel: l.rel, stat, atimeNs: l.atimeNs, dirty, cleanAt }, descend: true };
  }

  /** DST's root: its mode and times are set at the end whatever this says; the record tells whether that writes. */
  private planRoot(stat: Stats): { record: CopyRecord; cleanAt?: Stats } {
    const { dst, dryRun, id } = this.settings;
    if (this.root.fresh) return { record: okRecord('.', 'dir', 'mkdir') };
    const before = Date.now();
    const now = statSync(dst);
    const { cleanAt } = dryRun ? {} : this.swept('', now, before); // left by a killed run
    const changes = metaChanges(stat, now, id);
    return { record: okRecord('.', 'dir', changes ? 'meta' : 'skip', 0, changes), cleanAt };
  }

  /**
   * Sweeps an existing DST folder (`st`: its stat, taken first, after the clock read `before`) of the temps a killed
   * run or worker left, unless the last run found it free of temps and it is unchanged since (clean-dirs.ts).
   * `cleanAt` is `st` when the folder holds no temp now and its stamp will move with any later change; `removed`,
   * whether temps were removed (which moved its times).
   */
  private swept(rel: string, st: Stats, before: number): { cleanAt?: Stats; removed: boolean } {
    if (this.clean?.unchanged(rel, st)) return { cleanAt: st, removed: false };
    const { removed, left } = this.sweep(rel);
    return { cleanAt: removed === 0 && left === 0 && settled(st, before) ? st : undefined, removed: removed > 0 };
  }

  /** Makes or checks the destination directory `rel` in its parent's; null after a fatal error. */
  private prepare(rel: string, stat: Stats, parent: EntryDir): { record: CopyRecord; entry: EntryDir; dirty: boolean; cleanAt?: Stats } | null {
    const { dryRun, id } = this.settings;
    const anchored = !(dryRun && parent.fresh);
    const before = Date.now(); // before prepareDir's lstat (clean-dirs.ts settled)
    try {
      const dst = anchored ? this.dstDirs.acquire(parent.dir) : null;
      const p = prepareDir(dst, rel.slice(rel.lastIndexOf('/') + 1), stat, parent.sgid, !!parent.locked, id, dryRun, this.srcRoot);
      const entry: EntryDir = { dir: rel, fresh: p.fresh, sgid: p.sgid, locked: p.locked };
      const { cleanAt, removed } = !p.fresh && !dryRun ? this.swept(rel, p.stat!, before) : { removed: false };
      const dirty = p.action !== 'skip' || p.touched || removed;
      return { record: okRecord(rel, 'dir', p.action, 0, p.changes), entry, dirty, cleanAt };
    } catch (err) {
      const error = this.stop.entryFailure(err, rel);
      if (!error) return null;
      return { record: failedRecord(rel, 'dir', 'mkdir', error), entry: { dir: rel, fresh: false, sgid: parent.sgid }, dirty: true };
    } finally {
      if (anchored) this.dstDirs.release(parent.dir);
    }
  }
}
