/**
 * `copy(options)`: makes DST a mirror of SRC's contents (as `rsync -a SRC/ DST/`), on the engine's pool.
 *
 * The coordinator walks SRC (streaming), creates each destination directory before its children are
 * dispatched, and sends batches of one directory's other entries to the task. Records come back in walk order;
 * they go to the log, hard-link groups are resolved on the coordinator in that order, and each directory's
 * mode and times are set once every record of its subtree is in (bottom-up). A disk-full or read-only error
 * aborts the run at once, temps in the directories still in flight are removed, and copy() throws it.
 */
import { closeSync, constants, lstatSync, openSync, statSync, writeSync, type Stats } from 'node:fs';
import { run, type Outcome } from '../../engine/coordinator.js';
import { builtPath } from '../../engine/built-path.js';
import { FanoutError, serializeError, type SerializedError } from '../../engine/errors.js';
import type { Mode } from '../../engine/runtimes/channel.js';
import { makeDstRoot, prepareDir, readOnlyToUs } from './dst-dir.js';
import { decodeBatch, tallyBatch, type BatchResult } from './batch-result.js';
import { processEntry, type CopyTaskOptions, type EntryContext } from './entry.js';
import { copyError, isFatalCode } from './errors.js';
import { BatchDirs, DirCache } from './dir-ref.js';
import { fsPath } from './fs-path.js';
import { entryFilter } from './glob.js';
import { applyDirMeta, exactTimes, metaDiffers, processIdentity, type Identity } from './metadata.js';
import { HardLinks } from './plan.js';
import { failedRecord, okRecord, type CopyRecord } from './record.js';
import { checkRoots } from './safety.js';
import { checkLogPlace } from './log-place.js';
import type { CopyItem } from './task.js';
import { sweepTemps } from './temp.js';
import { nsOf } from './times.js';
import { TreeCount, type TreeTotal } from './tree-total.js';
import { walk } from './walk.js';

export interface CopyOptions {
  src: string;
  dst: string;
  /** Where tasks run. Default 'async'. */
  mode?: Mode;
  workers?: number;
  /**
   * Batches in flight at once. Default 16: enough queued per worker that a worker is rarely idle waiting for
   * the coordinator on a loaded machine (measured: re-run of 65,000 files, threads x2, 0.53 s at 8 -> 0.50 s).
   */
  concurrency?: number;
  /** Entries per batch (one directory's files at most). Default 128: fewer messages, same balance. */
  batchSize?: number;
  dryRun?: boolean;
  checksum?: boolean;
  force?: boolean;
  verify?: boolean;
  include?: string[];
  exclude?: string[];
  /** JSON Lines file receiving one record per entry, in walk order. */
  log?: string;
  /**
   * Count SRC in a worker thread beside the copy, for `CopyProgress.total` (an ETA). Costs a second walk of SRC;
   * directory atimes are still kept from before either walk read them (see tree-total.ts). Default false.
   */
  estimateTotal?: boolean;
  /** Compute `recordHash`, a hash of every record in walk order (see record-hash.ts). Default false. */
  hashRecords?: boolean;
  signal?: AbortSignal;
  /** Each record in walk order. A returned promise holds back the next results until it settles (backpressure). */
  onRecord?: (r: CopyRecord) => unknown;
  onProgress?: (p: Readonly<CopyProgress>) => void;
}

export interface CopyProgress {
  entries: number;
  /** Entries written (mkdir, copy, link, symlink, mkfifo, mknod, meta). */
  copied: number;
  skipped: number;
  failed: number;
  /** File data bytes written. */
  bytes: number;
  elapsedMs: number;
  /** With `estimateTotal`: the size of SRC counted so far (`done` once all of it is). */
  total?: Readonly<TreeTotal>;
}

export interface CopySummary extends CopyProgress {
  src: string;
  dst: string;
  mode: Mode;
  workers: number;
  dryRun: boolean;
  cancelled: boolean;
  /** The first few failures, for the summary line. */
  firstFailures: Array<{ path: string; error: SerializedError }>;
  /** With `hashRecords`: sha256 (hex) of the records in walk order, timings left out. */
  recordHash?: string;
}

interface DirFrame {
  rel: string;
  sgid: boolean;
  /** Created by this run (in a dry run: would be, so it does not exist). */
  fresh: boolean;
  /** Read-only to us: opened up when something is written into it (dst-dir.ts). */
  locked: boolean;
}

interface PendingDir {
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
}

interface Head {
  record: CopyRecord;
  stat: Stats | null;
  atimeNs?: bigint;
  dirty: boolean;
}

const TASK = builtPath(import.meta.url, './task.js');

export async function copy(options: CopyOptions): Promise<CopySummary> {
  const started = performance.now();
  const roots = checkRoots(options.src, options.dst);
  if (options.log) checkLogPlace(options.log, roots);
  const { src, dst } = roots;
  const dryRun = options.dryRun ?? false;
  const id = processIdentity();
  const o: CopyTaskOptions = {
    src, dst, dryRun, checksum: !!options.checksum, force: !!options.force, verify: !!options.verify, umask: process.umask(),
  };
  const ctx: EntryContext = { o, id };
  const batchSize = options.batchSize ?? 128;
  const concurrency = options.concurrency ?? 16;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  const progress: CopyProgress = { entries: 0, copied: 0, skipped: 0, failed: 0, bytes: 0, elapsedMs: 0 };
  let counter: TreeCount | null = null; // started with the run, below: nothing is left walking if opening the log fails
  const firstFailures: CopySummary['firstFailures'] = [];
  const log = options.log ? logCall(options.log, () => openSync(options.log!, 'w')) : -1;
  const writeLog = (lines: string[]) => logCall(options.log!, () => writeSync(log, `${lines.join('\n')}\n`));
  let fatal: FanoutError | null = null;
  const stop = (err: FanoutError) => {
    fatal ??= err;
    controller.abort();
  };

  // Item bookkeeping on the coordinator, by item index (= yield order): the directory record that heads a
  // batch, and the directory (relative) of every batch not yet written (swept for temps after a fatal stop).
  const heads = new Map<number, Head>();
  const itemDirs = new Map<number, string>();
  const links = new HardLinks();
  // The coordinator's own anchored directories (dir-ref.ts): for creating DST's directories, setting their
  // metadata, and hard links.
  const srcDirs = new DirCache(src);
  const dstDirs = new DirCache(dst);
  const metaStack: PendingDir[] = []; // directories whose subtree is still being written, root first
  // node:crypto loads only when a hash is asked for (compare's runs)
  const recordHash = options.hashRecords ? new (await import('./record-hash.js')).RecordHash() : null;
  const wantRecords = log >= 0 || recordHash !== null || options.onRecord !== undefined;

  /** Removes fanout's temps from a destination directory, sparing names SRC itself has there (see temp.ts). */
  const sweep = (rel: string) => sweepTemps(dstDirs, rel, (name) => lstatSync(fsPath(`${src}/${rel ? `${rel}/` : ''}${name}`), { throwIfNoEntry: false }) !== undefined);
  const emit = (r: CopyRecord, lines: string[]) => {
    progress.entries++;
    if (!r.ok) {
      progress.failed++;
      if (firstFailures.length < 5) firstFailures.push({ path: r.path, error: r.error! });
    } else if (r.action === 'skip') progress.skipped++;
    else progress.copied++;
    progress.bytes += r.bytes;
    recordHash?.add(r);
    if (log >= 0) lines.push(JSON.stringify(r));
    const wait = options.onRecord?.(r);
    if (wait instanceof Promise) recordsTaken = recordsTaken ? Promise.all([recordsTaken, wait]).then(() => {}) : wait;
  };
  // What onRecord's promises still wait for: awaited before the next result is taken, so a slow reader slows the copy.
  let recordsTaken: Promise<void> | null = null;
  const recordsTakenNow = () => {
    const wait = recordsTaken;
    recordsTaken = null;
    return wait;
  };

  /** The directory on top of the stack (the parent of what is being emitted) has had something written in it. */
  const markParentDirty = () => {
    if (metaStack.length > 0) metaStack[metaStack.length - 1].dirty = true;
  };

  /** Sets mode/owner/times of finished directories, deepest first, until `rel` is under the top of the stack. */
  const closeDirsUntil = (rel: string | null, lines: string[]) => {
    while (metaStack.length > 0) {
      const top = metaStack[metaStack.length - 1];
      if (rel !== null && (top.rel === '' || rel === top.rel || rel.startsWith(`${top.rel}/`))) break;
      metaStack.pop();
      if (top.sweep && !dryRun && sweep(top.rel) > 0) top.dirty = true;
      if (dryRun || !top.dirty) continue;
      try {
        const d = dstDirs.acquire(top.rel);
        // Without anchors the directory is opened by path, just for this
        const fd = d.fd >= 0 ? d.fd : openSync(fsPath(d.path), constants.O_RDONLY | constants.O_DIRECTORY);
        try {
          applyDirMeta(fd, top.stat, id, dirTimes(top));
        } finally {
          if (fd !== d.fd) closeSync(fd);
          dstDirs.release(top.rel);
        }
      } catch (err) {
        const e = copyError(err, top.rel || '.');
        if (isFatalCode(e.code)) return stop(e);
        emit(failedRecord(top.rel || '.', 'dir', 'meta', serializeError(e)), lines); // a second record for the directory
      }
    }
  };

  async function* items(): AsyncGenerator<CopyItem> {
    let index = 0;
    const path: DirFrame[] = [];
    const rootSgid = roots.dstStat ? (Number(roots.dstStat.mode) & 0o2000) !== 0 : false;
    const rootLocked = roots.dstStat ? readOnlyToUs(Number(roots.dstStat.mode), id, dryRun) : false;
    // DST itself, should the walk meet it: a bind mount of a directory inside SRC hides "DST inside SRC" from
    // checkRoots (DST's ancestors are the mount's, not SRC's), and the copy would copy itself until PATH_MAX.
    const dstId = roots.dstStat || !dryRun ? statSync(dst) : null;
    const srcRoot = statSync(src); // and SRC, should DST reach it the same way (prepareDir)
    for await (const l of walk(src, entryFilter(options.include ?? [], options.exclude ?? []))) {
      if (fatal || controller.signal.aborted) return;
      if (counter) l.stat = counter.original(l.rel, l.stat, l);
      while (path.length > 0 && !l.rel.startsWith(`${path[path.length - 1].rel}/`) && path[path.length - 1].rel !== '') path.pop();
      const rel = l.rel || '.';
      let record: CopyRecord;
      let fresh = false;
      let dirty = true;
      let sgid = path.length > 0 ? path[path.length - 1].sgid : rootSgid;
      let locked = l.rel === '' && rootLocked;
      if (l.error || !l.stat) {
        record = failedRecord(rel, 'dir', l.rel ? 'mkdir' : 'skip', serializeError(copyError(l.error, rel)));
      } else if (dstId && l.stat.ino === dstId.ino && l.stat.dev === dstId.dev) {
        const e = new FanoutError('REFUSED_DST_INSIDE_SRC', `${rel} is DST itself (SRC reaches it through a mount): not copied into itself`);
        record = failedRecord(rel, 'dir', 'mkdir', serializeError(e));
      } else if (l.rel === '') {
        fresh = !roots.dstStat;
        if (!fresh && !dryRun) sweep(''); // left by a killed run
        // Its mode and times are set at the end, whatever this says: the record tells whether that writes.
        record = okRecord(rel, 'dir', fresh ? 'mkdir' : metaDiffers(l.stat, statSync(dst), id) ? 'meta' : 'skip');
      } else {
        const parent = path.length > 0 ? path[path.length - 1] : { rel: '', fresh: !roots.dstStat, locked: rootLocked };
        const slash = l.rel.lastIndexOf('/');
        const anchored = !(dryRun && parent.fresh);
        try {
          const p = prepareDir(anchored ? dstDirs.acquire(parent.rel) : null, l.rel.slice(slash + 1), l.stat, sgid, parent.locked, id, dryRun, srcRoot);
          ({ fresh, sgid, locked } = p);
          dirty = p.action !== 'skip' || p.touched;
          if (!fresh && !dryRun && sweep(l.rel) > 0) dirty = true; // left by a killed run or worker
          record = okRecord(rel, 'dir', p.action);
        } catch (err) {
          const e = copyError(err, rel);
          if (isFatalCode(e.code)) return stop(e);
          record = failedRecord(rel, 'dir', 'mkdir', serializeError(e));
        } finally {
          if (anchored) dstDirs.release(parent.rel);
        }
      }
      if (!record.ok) {
        l.prune = true; // its contents cannot be written: not walked, no records
        l.files = [];
      } else path.push({ rel: l.rel, sgid, fresh, locked });
      heads.set(index, { record, stat: record.ok ? l.stat : null, atimeNs: l.atimeNs, dirty });
      const dir = l.rel;
      let first = true;
      for (let i = 0; first || i < l.files.length; i += batchSize) {
        first = false;
        const chunk = l.files.slice(i, i + batchSize);
        itemDirs.set(index++, dir);
        yield { dir, fresh, sgid, locked, names: chunk.map((f) => f.name), types: chunk.map((f) => f.type) };
        if (fatal) return;
      }
    }
  }

  const onResult = async (r: Outcome<CopyItem, BatchResult>) => {
    if (fatal) return;
    itemDirs.delete(r.index);
    const lines: string[] = [];
    const head = heads.get(r.index);
    const item = r.item;
    if (head) {
      heads.delete(r.index);
      closeDirsUntil(item.dir, lines);
      emit(head.record, lines);
      if (head.record.action !== 'skip') markParentDirty();
      if (head.stat) metaStack.push({ rel: item.dir, stat: head.stat, atimeNs: head.atimeNs, dirty: head.dirty });
    }
    // A worker died while it held this batch (it ran again, or failed): what it was writing is left as temps.
    if (r.attempts > 1 || !r.ok) sweepLater(item.dir);
    let records: CopyRecord[];
    if (r.ok && !wantRecords && !r.value.extra) {
      // Nobody reads the records and none failed or needs its hard link resolved: count them and move on.
      const t = tallyBatch(r.value);
      progress.entries += t.entries;
      progress.skipped += t.skipped;
      progress.copied += t.entries - t.skipped;
      progress.bytes += t.bytes;
      if (t.skipped < t.entries) markParentDirty();
      records = [];
    } else if (r.ok) records = decodeBatch(r.value, (i) => (item.dir ? `${item.dir}/${item.names[i]}` : item.names[i]), item.types);
    else if (isFatalCode(r.error.code)) {
      stop(new FanoutError(r.error.code, r.error.message));
      records = [];
    } else {
      records = item.names.map((n, i) => failedRecord(item.dir ? `${item.dir}/${n}` : n, item.types[i], 'copy', r.error));
    }
    for (let rec of records) {
      if (fatal) break;
      if (rec.linkKey) rec = await resolveHardLink(rec, item);
      emit(rec, lines);
      if (rec.action !== 'skip' || !rec.ok) markParentDirty();
      if (rec.error && isFatalCode(rec.error.code)) stop(new FanoutError(rec.error.code, rec.error.message));
    }
    if (lines.length > 0) writeLog(lines);
    progress.elapsedMs = performance.now() - started;
    if (counter) progress.total = counter.current();
    options.onProgress?.(progress);
    await recordsTakenNow();
  };

  /** A directory's times: the atime from before the walk listed it, the mtime from a bigint lstat (times.ts). */
  const dirTimes = (top: PendingDir) => {
    const t = exactTimes(fsPath(top.rel ? `${src}/${top.rel}` : src), top.stat);
    return { ...t, atimeNs: nsOf(top.stat.atimeMs, top.atimeNs) };
  };

  /** Marks a directory still being written to be swept before its metadata is set (then nobody writes in it). */
  const sweepLater = (rel: string) => {
    if (dryRun) return;
    for (let i = metaStack.length - 1; i >= 0; i--) {
      if (metaStack[i].rel === rel) {
        metaStack[i].sweep = true;
        return;
      }
    }
    sweep(rel); // not pending (its own record failed): nothing else of it runs
  };

  /** Hard links, in walk order on the coordinator: a group's first file is copied, later ones linked to it. */
  const resolveHardLink = async (rec: CopyRecord, item: CopyItem): Promise<CopyRecord> => {
    const key = rec.linkKey!;
    const name = rec.path.slice(item.dir ? item.dir.length + 1 : 0);
    const leader = links.leader(key);
    const dirs = new BatchDirs(srcDirs, dstDirs, item.dir, item.locked);
    try {
      if (!leader) {
        const out = await processEntry(ctx, item, dirs, name, 'file', 'copy');
        if (out.ok) links.settle(key, { dir: item.dir, name });
        return out;
      }
      const leaderDirs = new BatchDirs(srcDirs, dstDirs, leader.dir);
      try {
        return await processEntry(ctx, item, dirs, name, 'file', { leader: () => leaderDirs.dst().child(leader.name) });
      } finally {
        leaderDirs.release();
      }
    } finally {
      dirs.release();
    }
  };

  let summary;
  try {
    if (!dryRun && !roots.dstStat) makeDstRoot(dst);
    if (options.estimateTotal) counter = new TreeCount({ src, include: options.include ?? [], exclude: options.exclude ?? [] });
    summary = await run<CopyItem, BatchResult>({
      items: items(),
      task: TASK,
      taskOptions: o,
      mode: options.mode,
      workers: options.workers,
      concurrency,
      window: Math.max(64, 4 * concurrency),
      signal: controller.signal,
      onResult,
    });
    if (!fatal && !summary.cancelled) {
      const lines: string[] = [];
      closeDirsUntil(null, lines); // the root's (and the last directories') metadata: failures are records too
      if (log >= 0 && lines.length > 0) writeLog(lines);
      await recordsTakenNow();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    counter?.stop();
    if (fatal || controller.signal.aborted) {
      for (const d of new Set(itemDirs.values())) sweep(d);
      for (const d of metaStack) if (d.sweep) sweep(d.rel);
    }
    srcDirs.close();
    dstDirs.close();
    if (log >= 0) closeSync(log);
  }
  if (fatal) throw fatalMessage(fatal, progress);
  progress.elapsedMs = performance.now() - started;
  return {
    ...progress,
    src,
    dst,
    mode: summary.mode,
    workers: summary.workers,
    dryRun,
    cancelled: summary.cancelled,
    firstFailures,
    ...(recordHash ? { recordHash: recordHash.digest() } : {}),
  };
}

/** The log is the user's record of the run: failing to open or write it stops the run with its own code. */
function logCall<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw new FanoutError('LOG_FAILED', `cannot write the log ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function fatalMessage(err: FanoutError, p: CopyProgress): FanoutError {
  const what = err.code === 'NO_SPACE' ? 'no space left on the destination' : 'the destination is read-only';
  return new FanoutError(err.code, `${what} (${err.message}); stopped after ${p.entries} entries, temp files removed`, { cause: err });
}

export type { CopyRecord } from './record.js';
export { etaMs } from './tree-total.js';
export type { Identity };
