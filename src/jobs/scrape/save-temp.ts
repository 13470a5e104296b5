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
      const owner = writerOf(name);
      const run = name.split('.')[1];
      if (owner === null || !run) continue; // not a temp of ours: left alone
      const over = owner === process.pid ? !liveRuns.has(run) : !alive(owner);
      if (over && unlinkQuietly(fd, name)) removed++;
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
  let names: string[];
  try {
    names = readdirSync(self(dirFd));
  } catch {
    return 0; // best effort: a temp that stays costs space, never a saved page
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(TEMP_BESIDE)) continue;
    const owner = writerOf(name.slice(TEMP_BESIDE.length));
    if (owner === null || owner === process.pid || alive(owner)) continue;
    if (unlinkQuietly(dirFd, name)) removed++;
  }
  return removed;
}

/** The writer's pid that starts a temp's name (`<pid>.…`), or null when the name has none. */
function writerOf(name: string): number | null {
  const pid = Number(name.split('.')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Best effort: a temp that cannot be removed costs space, never a saved page. */
function unlinkQuietly(dirFd: number, name: string): boolean {
  try {
    unlinkSync(at(dirFd, name));
    return true;
  } catch {
    return false;
  }
}

/** This thread's id; node:worker_threads loads on first use (a scrape without --save never needs it). */
function threadId(): number {
  return process.getBuiltinModule('node:worker_threads').threadId;
}
