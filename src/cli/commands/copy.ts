/** `fanout copy <src> <dst>`: a parallel, crash-safe mirror of a file tree (see src/jobs/copy/copy.ts). */
import type { Argv } from 'yargs';
import type { CopyProgress, CopySummary } from '../../jobs/copy/copy.js';
import { EXIT } from '../exit-codes.js';
import { poolChoice, withPoolOptions, type PoolFlags } from '../pool-options.js';
import { interruptSignal } from '../signals.js';
import { clusterNotices, clusterPreflight } from '../cluster-notices.js';
import { exitCodeWhenStdoutGone } from '../exit.js';
import { readerLeft, stdoutWriter } from '../stdout-writer.js';
import { refuseClosedStdout } from '../closed-stdio.js';
import { noDash } from '../dash-arg.js';
import { formatBytes, formatDuration, progressWanted, startProgress } from '../progress.js';
import type { Command } from './command.js';

interface CopyArgs extends PoolFlags {
  src: string;
  dst: string;
  log?: string;
  dryRun: boolean;
  checksum: boolean;
  force: boolean;
  verify: boolean;
  exclude: string[];
  include: string[];
  excludeFrom: string[];
  includeFrom: string[];
  filesFrom?: string;
  delete: boolean;
  deleteExcluded: boolean;
  sweepRecord: boolean;
  progress?: boolean;
  quiet: boolean;
  itemizeChanges: number;
  verbose: number;
  summaryJson?: string;
}

export const copyCommand: Command = {
  command: 'copy <src> <dst>',
  describe: 'mirror a file tree (like rsync -a SRC/ DST/), crash-safe, metadata kept',
  builder: (y: Argv) =>
    withPoolOptions(y, 16, { unordered: false })
      .positional('src', { type: 'string', describe: 'directory whose contents are copied, or a single file' })
      .positional('dst', { type: 'string', describe: 'directory made a mirror of SRC (created when missing); for a file SRC, a folder (existing, or ending in /) or a new name' })
      .option('log', { type: 'string', requiresArg: true, coerce: noDash('--log', 'file', 'a dry run without --log prints its plan on stdout'), describe: 'write one JSON record per entry, in walk order, to FILE' })
      .option('dry-run', { alias: 'n', type: 'boolean', default: false, describe: 'print the plan (one record per entry), write nothing' })
      .option('checksum', { type: 'boolean', default: false, describe: 'compare contents, not size+mtime, to find changed files' })
      .option('force', { type: 'boolean', default: false, describe: 'copy every entry, even those that are up to date' })
      .option('verify', { type: 'boolean', default: false, describe: 'read each written file back and compare it with its source' })
      .option('exclude', { type: 'string', array: true, nargs: 1, requiresArg: true, default: [], describe: 'leave out entries matching GLOB (repeatable)' })
      .option('include', { type: 'string', array: true, nargs: 1, requiresArg: true, default: [], describe: 'keep entries matching GLOB despite --exclude; alone: copy only matching files' })
      .option('exclude-from', { type: 'string', array: true, nargs: 1, requiresArg: true, default: [], describe: 'read exclude patterns from FILE, one per line (# comments)' })
      .option('include-from', { type: 'string', array: true, nargs: 1, requiresArg: true, default: [], describe: 'read include patterns from FILE, one per line (# comments)' })
      .option('files-from', { type: 'string', requiresArg: true, coerce: noDash('--files-from', 'file'), describe: 'copy only the paths FILE lists (relative to SRC, one per line), with their folders' })
      .option('delete', { type: 'boolean', default: false, describe: 'after the copy, remove from DST what is not in SRC (nothing if an entry failed)' })
      .option('delete-excluded', { type: 'boolean', default: false, implies: 'delete', describe: 'with --delete, remove from DST what --exclude/--include leave out too' })
      .option('sweep-record', { type: 'boolean', default: true, describe: 'look for a killed run\'s temps only in DST folders changed since a run found them free of any (--no-sweep-record: in every folder)' })
      .option('progress', { type: 'boolean', describe: 'progress on stderr (default: on a terminal; elsewhere a line a second)' })
      .option('itemize-changes', { alias: ['i', 'itemize'], type: 'count', describe: 'a line per changed entry on stdout, as rsync -i: what changed (-ii: unchanged entries too)' })
      .option('verbose', { alias: 'v', type: 'count', describe: 'the path of each changed entry on stdout, as rsync -v' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary, no -i/-v lines, and no progress unless a later --progress asks for it' })
      .option('summary-json', { type: 'string', requiresArg: true, hidden: true, coerce: noDash('--summary-json', 'file'), describe: 'write the run summary (for fanout compare), with a hash of the records, to FILE' }),
  run: (args) => runCopy(args as unknown as CopyArgs),
};

async function runCopy(a: CopyArgs): Promise<number> {
  // The job's modules load only now, not for `--help` or another command.
  const listing = !a.quiet && (a.itemizeChanges > 0 || a.verbose > 0);
  const [{ copy, etaMs }, metrics, listed] = await Promise.all([
    import('../../jobs/copy/copy.js'),
    a.summaryJson ? import('../../compare/run-summary.js') : null,
    listing ? import('../change-lines.js') : null,
  ]);
  metrics?.startRunMetrics();
  const pool = poolChoice(a);
  await clusterPreflight(pool, a.quiet);
  const interrupt = interruptSignal();
  const live = progressWanted(a.progress, a.quiet);
  let latest: CopyProgress = { entries: 0, copied: 0, skipped: 0, failed: 0, deleted: 0, bytes: 0, elapsedMs: 0 };
  const started = performance.now();
  const cluster = clusterNotices(pool, a.quiet, live);
  const line = startProgress(() => cluster.status() ?? progressLine({ ...latest, elapsedMs: performance.now() - started }, a.dryRun, latest.total ? etaMs(latest, latest.total) : NaN), live);
  // stdout is for the -i/-v lines (none with -q), else for a dry run's plan unless it goes to --log.
  const lines = listed ? listed.changeLines(a.itemizeChanges, live) : null;
  const dry = a.dryRun && !a.log && a.itemizeChanges === 0 && a.verbose === 0;
  if (dry) refuseClosedStdout('the plan', 'give --log FILE');
  if (lines) refuseClosedStdout(`the ${a.itemizeChanges > 0 ? '-i' : '-v'} lines`, 'give -q');
  // `fanout copy -n SRC DST | head`: once the reader is gone the plan has no one to go to, and a dry run has
  // written nothing, so it ends quietly.
  if (dry || (lines && a.dryRun)) exitCodeWhenStdoutGone(EXIT.OK);
  const plan = dry ? stdoutWriter() : null;
  let summary: CopySummary;
  try {
    summary = await copy({
      src: a.src,
      dst: a.dst,
      mode: pool.mode,
      cluster: cluster.options,
      workers: pool.workers,
      concurrency: pool.concurrency,
      dryRun: a.dryRun,
      checksum: a.checksum,
      force: a.force,
      verify: a.verify,
      include: a.include.map(String),
      exclude: a.exclude.map(String),
      excludeFrom: a.excludeFrom.map(String),
      includeFrom: a.includeFrom.map(String),
      filesFrom: a.filesFrom,
      delete: a.delete,
      deleteExcluded: a.deleteExcluded,
      sweepRecord: a.sweepRecord,
      log: a.log,
      hashRecords: a.summaryJson !== undefined,
      estimateTotal: live, // the total behind the ETA costs a second walk: only for the live line
      signal: lines ? AbortSignal.any([interrupt.signal, lines.stopped.signal]) : interrupt.signal,
      // --dry-run without --log prints the plan on stdout
      onRecord: plan ? (r) => plan.write(`${JSON.stringify(r)}\n`) : lines?.onRecord,
      onProgress: live ? (p) => (latest = p) : undefined,
    });
  } catch (err) {
    if (plan && readerLeft(err)) return EXIT.OK;
    throw err;
  } finally {
    interrupt.dispose();
    line.stop();
    cluster.dispose();
    await lines?.flush();
  }
  // stdout failed under the -i/-v lines: the run stopped there (a reader that left, as for the plan above).
  if (lines?.failure) {
    if (readerLeft(lines.failure)) return a.dryRun ? EXIT.OK : EXIT.STDOUT_CLOSED;
    throw lines.failure;
  }
  if (!a.quiet) process.stderr.write(`${summaryLine(summary)}\n`);
  if (!a.quiet && summary.deleteSkipped) process.stderr.write(`  --delete: nothing deleted, ${summary.deleteSkipped}\n`);
  for (const f of a.quiet ? [] : summary.firstFailures) process.stderr.write(`  failed: ${f.path}: ${f.error.code}: ${f.error.message}\n`);
  if (a.summaryJson && metrics) {
    // What compare reads back. The hash covers the records (compare hashes DST itself, outside the timing).
    metrics.writeRunSummary(a.summaryJson, {
      items: summary.entries, ok: summary.entries - summary.failed, failed: summary.failed, retries: 0, bytes: summary.bytes,
      resultHash: summary.recordHash!,
    });
  }
  if (summary.cancelled) return EXIT.INTERRUPTED;
  return summary.failed > 0 ? EXIT.SOME_FAILED : EXIT.OK;
}

/** The live line: entries done of the total (once counted), rates, and the ETA. */
function progressLine(p: CopyProgress, dryRun: boolean, eta: number): string {
  const s = Math.max(p.elapsedMs, 1) / 1000;
  const of = p.total?.done ? `/${p.total.entries}` : '';
  return `${p.entries}${of} entries (${p.copied} ${dryRun ? 'to copy' : 'copied'}, ${p.skipped} skipped, ${p.failed} failed), ${formatBytes(p.bytes)}, ` +
    `${Math.round(p.entries / s)} files/s, ${formatBytes(p.bytes / s)}/s, ETA ${Number.isNaN(eta) ? '?' : formatDuration(eta)}`;
}

function summaryLine(s: CopySummary): string {
  const secs = s.elapsedMs / 1000;
  const verb = s.dryRun ? 'would copy' : 'copied';
  const deleted = s.deleted > 0 ? `, ${s.deleted} ${s.dryRun ? 'would delete' : 'deleted'}` : '';
  return `fanout copy: ${s.entries} entries: ${s.copied} ${verb}, ${s.skipped} skipped${deleted}, ${s.failed} failed; ` +
    `${formatBytes(s.bytes)} in ${secs.toFixed(2)} s (${formatBytes(s.bytes / Math.max(secs, 1e-3))}/s, ${Math.round(s.entries / Math.max(secs, 1e-3))} entries/s)` +
    `${s.cancelled ? ' - interrupted' : ''} [${s.mode}${s.mode === 'async' || s.mode === 'cluster' ? '' : ` x${s.workers}`}]`;
}
