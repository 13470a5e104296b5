/**
 * --save's temp files. A body is written whole into DIR/.fanout#tmp/ and only then published under its final name
 * (save.ts), so a final name never holds part of a body. The folder's name holds "#", which no name derived from
 * a URL holds (save-path.ts): it is fanout's alone, and nothing in it is ever a saved page.
 *
 * A temp is named <pid>.<run>.<thread>.<n>. Before a run starts, the temps of runs that are over are removed:
 * those of a process that is gone (a killed run), and those of this process whose run has ended. A concurrent run
 * of another live process keeps its own. Without hard links a temp is written beside its final name instead
 * (".fanout#tmp.<pid>..."): a killed run's are removed from a folder when a run first saves into it again.
 */
import { closeSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { at, openDirAt, self } from '../../util/dir-anchor.js';
import { alive } from '../../util/process-alive.js';

export const TEMP_DIR = '.fanout#tmp';

/** Runs of this process that are writing temps now (coordinator side). */
const liveRuns = new Set<string>();

/** Registers a run; its token goes to the workers (ScrapeTaskOptions.saveRun) and into their temp names. */
export function beginSaveRun(): string {
  // node:crypto on first use: a scrape without --save never loads it (start-up).
  const token = process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex');
  liveRuns.add(token);
  return token;
}

export function endSaveRun(token: string): void {
  liveRuns.delete(token);
}

let counter = 0;

/** A fresh temp name for this thread of this run. */
export function tempName(run: string): string {
  return `${process.pid}.${run}.${threadId()}.${(counter++).toString(36)}`;
}

/** Opens DIR/.fanout#tmp under the anchor `rootFd`, making it when missing; a symlink there fails, never followed. */
export function openTempDir(rootFd: number): number {
  try {
    return openDirAt(rootFd, TEMP_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      mkdirSync(at(rootFd, TEMP_DIR), 0o700);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
    return openDirAt(rootFd, TEMP_DIR);
  }
}

/** Removes the temps left by runs that are over; returns how many. */
export function sweepTemps(rootFd: number): number {
  const fd = openTempDir(rootFd);
  let removed = 0;
  try {
    for (const name of readdirSync(self(fd))) {
      const [pid, run] = name.split('.');
      const owner = Number(pid);
      if (!Number.isInteger(owner) || owner <= 0 || !run) continue; // not a temp of ours: left alone
      const over = owner === process.pid ? !liveRuns.has(run) : !alive(owner);
      if (!over) continue;
      try {
        unlinkSync(at(fd, name));
        removed++;
      } catch {
        // best effort: a temp that cannot be removed costs space, never a saved page
      }
    }
  } finally {
    closeSync(fd);
  }
  return removed;
}

/** The prefix of a temp written beside its final name (save.ts, without hard links): "#" marks it as no URL's name. */
export const TEMP_BESIDE = '.fanout#tmp.';

/**
 * Removes from the folder `dirFd` the temps written beside final names by runs that were killed (their writer is
 * gone); returns how many. Temps of this process are left: a worker cannot tell whether their run is over.
 */
export function sweepTempsBeside(dirFd: number): number {
  let removed = 0;
  try {
    for (const name of readdirSync(self(dirFd))) {
      if (!name.startsWith(TEMP_BESIDE)) continue;
      const owner = Number(name.slice(TEMP_BESIDE.length).split('.')[0]);
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || alive(owner)) continue;
      unlinkSync(at(dirFd, name));
      removed++;
    }
  } catch {
    // best effort: a temp that stays costs space, never a saved page
  }
  return removed;
}

/** This thread's id; node:worker_threads loads on first use (a scrape without --save never needs it). */
function threadId(): number {
  return process.getBuiltinModule('node:worker_threads').threadId;
}
