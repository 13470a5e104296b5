/** copy()'s options, each documented once with its default, and the one place where the defaults are applied. */
import { readdirSync } from 'node:fs';
import type { RunMode } from '../../engine/create-executor.js';
import type { ClusterOptions } from '../../cluster/queue-executor.js';
import type { CopyTaskOptions } from './entry.js';
import { copyFailure } from './errors.js';
import { entryFilter } from './glob.js';
import { readAllPatterns } from './pattern-file.js';
import { bothFilters, ListedPaths, readFileList } from './files-from.js';
import { checkLogPlace } from './log-place.js';
import { processIdentity, type Identity } from './metadata.js';
import type { CopyRecord } from './record.js';
import { checkRoots, type CheckedRoots } from './safety.js';
import type { CopyProgress } from './summary.js';
import type { WalkFilter } from './walk.js';

export interface CopyOptions {
  src: string;
  dst: string;
  /** Where tasks run. Default 'async'. */
  mode?: RunMode;
  /** Mode 'cluster': where the queue is (see RunOptions.cluster); SRC and DST must be shared with every worker. */
  cluster?: ClusterOptions;
  workers?: number;
  /**
   * Items in flight at once. Default 16: enough queued per worker that a worker is rarely idle waiting for
   * the coordinator on a loaded machine (measured: re-run of 65,000 files, threads x2, 0.53 s at 8 -> 0.50 s).
   */
  concurrency?: number;
  /** Entries per item: a share of one directory, or several small directories (batches.ts). Default 128: fewer messages, same balance. */
  batchSize?: number;
  dryRun?: boolean;
  checksum?: boolean;
  force?: boolean;
  verify?: boolean;
  /** Globs (glob.ts) of entries copied even when an exclude matches; alone, the only files copied. Default none. */
  include?: string[];
  /** Globs (glob.ts) of entries left out, a directory with all it holds. Default none. */
  exclude?: string[];
  /** Files of include patterns, one per line (pattern-file.ts), added to `include`. Default none. */
  includeFrom?: string[];
  /** Files of exclude patterns, one per line, added to `exclude`. Default none. */
  excludeFrom?: string[];
  /** A file listing the paths to copy, one per line (files-from.ts); with the globs, both must let an entry in. Default none: all. */
  filesFrom?: string;
  /**
   * After the copy, remove from DST what SRC does not have (delete.ts). Skipped when any entry failed. Refused when
   * SRC is empty or unreadable and DST is not, unless `force`. Default false.
   */
  delete?: boolean;
  /** With `delete`: remove from DST the entries --include/--exclude leave out too (else they are kept). Default false. */
  deleteExcluded?: boolean;
  /**
   * Keep a record of DST's folders found free of temps, in the user's cache folder (clean-dirs.ts), so that a re-run
   * lists for a killed run's temps only the folders changed since; false lists every folder of DST each run. Used
   * where DST is on a local file system. Default true.
   */
  sweepRecord?: boolean;
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

/** The options a run works from: SRC and DST checked and resolved, every default applied. */
export interface CopySettings {
  roots: CheckedRoots;
  /** Absolute SRC and DST. */
  src: string;
  dst: string;
  dryRun: boolean;
  batchSize: number;
  concurrency: number;
  include: string[];
  exclude: string[];
  delete: boolean;
  deleteExcluded: boolean;
  sweepRecord: boolean;
  /** --files-from's paths, if given. */
  listed?: string[];
  /** --files-from's filter, which knows the listed paths the walk met (files-from.ts). */
  listedPaths?: ListedPaths;
  /** --include/--exclude as the walk applies them (none: everything). */
  filter: WalkFilter | undefined;
  /** Who runs the copy (owner and mode decisions, metadata.ts). */
  id: Identity;
  /** What every task is given, and the coordinator's own entries (hard links) too. */
  task: CopyTaskOptions;
}

/**
 * Checks SRC, DST and the log's place before anything is opened or written (safety.ts, log-place.ts), and reads
 * the pattern and list files (off the event loop: a signal stops the wait, ListReadCancelled).
 */
export async function settle(options: CopyOptions): Promise<CopySettings> {
  const roots = checkRoots(options.src, options.dst);
  if (options.log) checkLogPlace(options.log, roots);
  const { src, dst } = roots;
  const dryRun = options.dryRun ?? false;
  const include = [...(options.include ?? []), ...(await readAllPatterns(options.includeFrom, options.signal))];
  const exclude = [...(options.exclude ?? []), ...(await readAllPatterns(options.excludeFrom, options.signal))];
  const listed = options.filesFrom !== undefined ? await readFileList(options.filesFrom, options.signal) : undefined;
  const listedPaths = listed ? new ListedPaths(listed) : undefined;
  const del = options.delete ?? false;
  if (del && !options.force) refuseEmptySrc(roots);
  return {
    roots, src, dst, dryRun, include, exclude,
    delete: del,
    deleteExcluded: del && (options.deleteExcluded ?? false),
    sweepRecord: options.sweepRecord ?? true,
    batchSize: options.batchSize ?? 128,
    concurrency: options.concurrency ?? 16,
    listed,
    listedPaths,
    // The list first: it notes every listed path the walk meets, excluded or not.
    filter: bothFilters(listedPaths?.filter, entryFilter(include, exclude)),
    id: processIdentity(),
    task: { src, dst, dryRun, checksum: !!options.checksum, force: !!options.force, verify: !!options.verify, umask: process.umask() },
  };
}

/** `--delete` from an empty or unreadable SRC would empty DST (the classic way to wipe a backup). */
function refuseEmptySrc(roots: CheckedRoots): void {
  if (!roots.dstStat || entriesIn(roots.dst) === 0) return;
  const n = entriesIn(roots.src);
  if (n > 0) return;
  const why = n < 0 ? 'cannot be read' : 'is empty';
  throw copyFailure('REFUSED_DELETE_EMPTY_SRC', `SRC ${roots.src} ${why} and DST ${roots.dst} is not: --delete would empty DST (add --force if that is meant)`);
}

/** How many entries a directory holds, -1 if it cannot be listed. */
function entriesIn(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return -1;
  }
}
