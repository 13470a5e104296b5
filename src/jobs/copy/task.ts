/**
 * The copy task, run by the engine wherever the mode puts it. One item is a batch of non-directory entries of
 * one or more directories (per-item cost is tens of microseconds, a small file's copy about the same): small files
 * are copied with synchronous calls, which inside a worker thread or process run on that worker's own thread
 * instead of queueing on libuv's 4-thread pool; large files use the async fs.copyFile, a few at once. The
 * batch's records go back encoded (batch-result.ts): a character per entry. A batch holds its source and
 * destination directory open (dir-ref.ts) and names its entries inside them, never by path from the roots; in a
 * procs worker, from the destination folder made the process's cwd through its anchor (one /proc lookup fewer each).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { defineTask, type TaskContext } from '../../engine/task.js';
import { TurnClock } from '../../engine/turn-clock.js';
import { encodeBatch, type BatchResult } from './batch-result.js';
import { processEntry, type CopyTaskOptions, type EntryDir } from './entry.js';
import { copyFailure, fatalOf, type CopyError } from './errors.js';
import { BatchDirs, DirCache } from './dir-ref.js';
import { processIdentity } from './metadata.js';
import { isOwnProcess } from '../../engine/worker/own-process.js';
import type { CopyRecord, EntryType } from './record.js';

/** One folder's entries (or a share of them, when the folder holds more than a batch). */
export interface FolderBatch extends EntryDir {
  names: string[];
  types: EntryType[];
}

/**
 * What the engine runs: the batches of one or more folders, in walk order, at most `batchSize` entries in all. Small
 * folders travel together: each item costs its round trip, its dispatch and its results' turn on the coordinator
 * (tens of microseconds), as much as a few dozen skipped files.
 */
export type CopyItem = FolderBatch[];

/** An item's results: one per folder batch, in its order; fewer when a fatal error stopped the item. */
export type CopyResult = BatchResult[];

/** Large-file copies in flight per batch. */
const MAX_ASYNC = 4;
/** Synchronous copying per turn of the event loop before the next batch waits for the next turn. */
const TURN_BUDGET_MS = 10;

export default defineTask((o: CopyTaskOptions) => {
  const c = { o, id: processIdentity() };
  const srcDirs = new DirCache(o.src);
  const dstDirs = new DirCache(o.dst);
  // In a procs worker, each batch works in its destination folder (entered through its anchor): see BatchDirs.here.
  const cwd = isOwnProcess();
  // After a fatal error (disk full, read-only) this worker refuses further batches with the same error.
  let fatal: CopyError | null = null;

  // Batches arrive several at once and small files are copied synchronously, which holds the event loop (the
  // coordinator's own, in async mode: Ctrl-C, progress and results wait; on a slow disk for seconds). Once this
  // turn of the loop has run TURN_BUDGET_MS of batches, the next batch waits for the next turn.
  const turn = new TurnClock();
  const copyItem = (item: CopyItem, ctx: TaskContext): CopyResult | Promise<CopyResult> =>
    turn.elapsed() > TURN_BUDGET_MS ? nextTurn().then(() => copyItem(item, ctx)) : copyParts(item, ctx, 0, []);

  /** The item's folder batches from `from` on, one after the other; after a fatal error, none more. */
  const copyParts = (item: CopyItem, ctx: TaskContext, from: number, out: CopyResult): CopyResult | Promise<CopyResult> => {
    for (let i = from; i < item.length; i++) {
      if (fatal && i > 0) break; // the first batch throws it (copyIn): an item never starts past a fatal error
      const r = copyNow(item[i]!, ctx);
      if (r instanceof Promise) return r.then((v) => copyParts(item, ctx, i + 1, [...out, v]));
      out.push(r);
    }
    return finished(item, out);
  };

  /**
   * An item that a fatal error raised elsewhere in this worker cut short (an item running alongside, while this one
   * waited for a large file) fails with that error: its results would leave a hole before the records of later items.
   */
  const finished = (item: CopyItem, out: CopyResult): CopyResult => {
    if (fatal && !out.some(carriesFatal) && !(out.length === item.length && out.every((r, i) => r.actions.length === item[i]!.names.length))) {
      throw fatal;
    }
    return out;
  };

  // Synchronous unless a large file is copied asynchronously: a batch of small files settles, and its result can
  // be sent to the coordinator, as soon as it is done rather than after every other batch sent with it.
  const copyNow = (item: FolderBatch, ctx: TaskContext): BatchResult | Promise<BatchResult> => {
    const dirs = new BatchDirs(srcDirs, dstDirs, item.dir, item.locked, cwd);
    let async = false;
    try {
      const r = copyIn(item, ctx, dirs);
      if (r instanceof Promise) {
        async = true;
        return r.finally(() => dirs.release());
      }
      return r;
    } finally {
      if (!async) dirs.release();
    }
  };

  const copyIn = (item: FolderBatch, ctx: TaskContext, dirs: BatchDirs): BatchResult | Promise<BatchResult> => {
    const out: CopyRecord[] = [];
    const note = (i: number, r: CopyRecord) => {
      out[i] = r;
      fatal ??= fatalOf(r.error);
    };
    for (let i = 0; i < item.names.length; i++) {
      if (fatal) {
        if (out.length === 0) throw fatal;
        break; // records after the fatal one are left out: the run stops there
      }
      if (ctx.signal.aborted) throw copyFailure('CANCELLED', 'run cancelled');
      const r = processEntry(c, item, dirs, item.names[i], item.types[i], 'defer', ctx.signal);
      if (r instanceof Promise) return finishAsync(item, ctx, dirs, i, r, out, note);
      note(i, r);
    }
    return result(out, item);
  };

  /** The rest of a batch once a large file is being copied: a few at once on libuv's pool. */
  async function finishAsync(
    item: FolderBatch, ctx: TaskContext, dirs: BatchDirs, from: number, first: Promise<CopyRecord>, out: CopyRecord[],
    note: (i: number, r: CopyRecord) => void,
  ): Promise<BatchResult> {
    const pending = new Set<Promise<void>>();
    const track = (i: number, r: Promise<CopyRecord>) => {
      const p: Promise<void> = r.then((rec) => note(i, rec)).finally(() => pending.delete(p));
      pending.add(p);
    };
    track(from, first);
    for (let i = from + 1; i < item.names.length; i++) {
      if (pending.size >= MAX_ASYNC) await Promise.race(pending);
      if (fatal) break;
      if (ctx.signal.aborted) {
        await Promise.allSettled(pending);
        throw copyFailure('CANCELLED', 'run cancelled');
      }
      const r = processEntry(c, item, dirs, item.names[i], item.types[i], 'defer', ctx.signal);
      if (r instanceof Promise) track(i, r);
      else note(i, r);
    }
    await Promise.all(pending);
    return result(out, item);
  }

  return Object.assign(copyItem, {
    close() {
      srcDirs.close();
      dstDirs.close();
    },
  });
});

function carriesFatal(r: BatchResult): boolean {
  return !!r.extra?.some((e) => fatalOf(e.error));
}

/** A fatal error may leave holes (entries never started): only the prefix before the first hole is reported. */
function result(out: CopyRecord[], item: FolderBatch): BatchResult {
  const prefix: CopyRecord[] = [];
  for (let i = 0; i < out.length && out[i]; i++) prefix.push(out[i]);
  return encodeBatch(prefix, item.types);
}
