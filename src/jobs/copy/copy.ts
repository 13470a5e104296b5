/**
 * `copy(options)`: makes DST a mirror of SRC's contents (as `rsync -a SRC/ DST/`), on the engine's pool.
 *
 * The coordinator walks SRC (streaming), creates each destination directory before its children are
 * dispatched, and sends batches of the directories' other entries to the task (small directories several to an
 * item). Records come back in walk order; they go to the log, hard-link groups are resolved on the coordinator in
 * that order, and each directory's mode and times are set once every record of its subtree is in (bottom-up). A
 * disk-full or read-only error aborts the run at once, temps in the directories still in flight are removed, and
 * copy() throws it.
 *
 * The steps, each in its own module: check the roots and apply defaults (options.ts), walk (walk.ts), plan each
 * directory (dir-plan.ts), dispatch batches (batches.ts), take results (results.ts) and finish directories
 * (pending-dirs.ts), with --delete remove what SRC lacks from DST (delete.ts), then the summary (summary.ts).
 */
import { statSync } from 'node:fs';
import { run, type RunSummary } from '../../engine/coordinator.js';
import { taskModule } from '../tasks.js';
import { batches, InFlight } from './batches.js';
import { CleanDirs } from './clean-dirs.js';
import { DirCache } from './dir-ref.js';
import { DirPlanner } from './dir-plan.js';
import { deleteExtraneous } from './delete.js';
import { makeDstRoot } from './dst-dir.js';
import { HardLinks } from './hard-links.js';
import { settle, type CopyOptions, type CopySettings } from './options.js';
import { copyFile, isFileSrc } from './single-file.js';
import { PendingDirs } from './pending-dirs.js';
import { RecordSink } from './record-sink.js';
import { Results } from './results.js';
import { RunStop } from './run-stop.js';
import { ListReadCancelled } from './list-file.js';
import { failedRecord } from './record.js';
import type { CopyRecordError } from './errors.js';
import { summarize, type CopySummary } from './summary.js';
import type { CopyItem, CopyResult } from './task.js';
import { sweeperFor } from './temp.js';
import { TreeCount } from './tree-total.js';
import { walk } from './walk.js';
import { writeClusterProbe, type ClusterProbe } from './cluster-probe.js';

const TASK = taskModule('copy');

export async function copy(options: CopyOptions): Promise<CopySummary> {
  try {
    return await (isFileSrc(options.src) ? copyFile(options) : copyTree(options));
  } catch (err) {
    if (err instanceof ListReadCancelled) return cancelledAtStart(options);
    throw err;
  }
}

async function copyTree(options: CopyOptions): Promise<CopySummary> {
  const started = performance.now();
  const settings = await settle(options);
  const { src, dst, dryRun } = settings;
  const sink = await RecordSink.open(options);
  const stop = new RunStop(options.signal);
  // The coordinator's own anchored directories (dir-ref.ts): for creating DST's directories, their metadata, hard links.
  const srcDirs = new DirCache(src);
  const dstDirs = new DirCache(dst);
  const sweep = sweeperFor(src, dstDirs);
  let clean: CleanDirs | null = null;
  const inFlight = new InFlight();
  let pending: PendingDirs | null = null;
  let counter: TreeCount | null = null; // started with the run: nothing is left walking if opening the log fails
  let ran: RunSummary;
  let deleteSkipped: string | undefined;
  let deleteStopped = false;
  let probe: ClusterProbe | null = null;
  try {
    if (!dryRun && !settings.roots.dstStat) makeDstRoot(dst);
    if (!dryRun && settings.sweepRecord) clean = CleanDirs.open(dst, statSync(dst));
    pending = new PendingDirs(settings, dstDirs, sweep, sink, stop, clean);
    if (options.mode === 'cluster') probe = writeClusterProbe(src, dst);
    if (options.estimateTotal) counter = new TreeCount({ src, include: settings.include, exclude: settings.exclude, listed: settings.listed });
    const planner = new DirPlanner(settings, dstDirs, sweep, stop, counter, clean);
    const links = new HardLinks({ o: settings.task, id: settings.id }, srcDirs, dstDirs);
    const results = new Results(sink, pending, inFlight, links, stop, counter, options.onProgress, started);
    ran = await run<CopyItem, CopyResult>({
      items: batches(walk(src, settings.filter), planner, inFlight, settings.batchSize, stop),
      task: TASK,
      taskOptions: settings.task,
      mode: options.mode,
      cluster: probe && options.cluster ? { ...options.cluster, shared: probe.shared } : options.cluster,
      workers: options.workers,
      concurrency: settings.concurrency,
      window: Math.max(64, 4 * settings.concurrency),
      signal: stop.signal,
      onResult: results.take,
    });
    probe?.remove(); // before DST's own metadata is set
    if (!stop.fatal && !ran.cancelled) {
      await results.finish();
      for (const rel of settings.listedPaths?.missing(src) ?? []) sink.emit(failedRecord(rel, 'file', 'copy', listedMissing(rel)));
      sink.flush();
      if (settings.delete) ({ deleteSkipped, deleteStopped } = await deleteAfter(settings, sink, stop.signal, progressOf(options, sink, started)));
      clean?.save();
    } else if (settings.delete) deleteSkipped = 'the run stopped before the end';
  } finally {
    probe?.remove();
    stop.release();
    counter?.stop();
    if (stop.stopped) {
      for (const d of inFlight.dirsLeft()) sweep(d);
      pending?.sweepMarked();
    }
    srcDirs.close();
    dstDirs.close();
    sink.close();
  }
  stop.throwIfFatal(sink.progress.entries);
  return summarize(settings, sink, deleteStopped ? { ...ran, cancelled: true } : ran, started, deleteSkipped);
}

/**
 * --delete, once every entry is copied: nothing is deleted after a failure (as rsync without --ignore-errors), so
 * a source that could not be read never costs DST its copy. Says why nothing was deleted, if it was not, and
 * whether the user's signal stopped the pass (its deletions so far are in the log, whole lines).
 */
async function deleteAfter(
  settings: CopySettings, sink: RecordSink, signal: AbortSignal, report: () => void,
): Promise<{ deleteSkipped?: string; deleteStopped: boolean }> {
  const failed = sink.progress.failed;
  if (failed > 0) return { deleteSkipped: `${failed} ${failed === 1 ? 'entry' : 'entries'} failed`, deleteStopped: false };
  if (!settings.roots.dstStat && settings.dryRun) return { deleteStopped: false }; // DST does not exist: nothing in it
  const onPause = () => {
    sink.flush();
    report();
    return sink.drained(); // onRecord's backpressure (a dry run's plan to a slow reader)
  };
  const done = await deleteExtraneous({ ...settings, emit: (r) => sink.emit(r), signal, onPause });
  sink.flush();
  await sink.drained();
  return { deleteStopped: !done };
}

function listedMissing(rel: string): CopyRecordError {
  const message = `${rel}: listed in --files-from, not in SRC (a symlink on its way is copied as the link, never followed)`;
  return { name: 'FanoutError', code: 'LISTED_MISSING', message };
}

/** A run stopped by its signal while its list files were read: nothing was started. */
function cancelledAtStart(o: CopyOptions): CopySummary {
  const none = { entries: 0, copied: 0, skipped: 0, failed: 0, deleted: 0, bytes: 0, elapsedMs: 0 };
  return { ...none, src: o.src, dst: o.dst, mode: o.mode ?? 'async', workers: 0, dryRun: !!o.dryRun, cancelled: true, firstFailures: [] };
}

/** Hands the progress (its elapsed time brought up to date) to onProgress, if given. */
function progressOf(options: CopyOptions, sink: RecordSink, started: number): () => void {
  return () => {
    if (!options.onProgress) return;
    sink.progress.elapsedMs = performance.now() - started;
    options.onProgress(sink.progress);
  };
}

export type { CopyOptions } from './options.js';
export type { CopyProgress, CopySummary } from './summary.js';
export type { CopyRecord } from './record.js';
export { etaMs } from './tree-total.js';
export type { Identity } from './metadata.js';
