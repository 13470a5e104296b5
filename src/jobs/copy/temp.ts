/**
 * Temp names: `.fanout-tmp-<pid>.<thread>.<random>.<counter>-<name>` in the destination's own directory, so the
 * final rename is atomic. The sweep removes exactly what fanout can have left under such a name (see
 * `sweepTemps`): a user's `.fanout-tmp-notes` or `.fanout-tmp-mydata/` folder does not have the shape and stays.
 */
import { lstatSync, readdirSync, renameSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { self } from '../../util/dir-anchor.js';
import { alive } from '../../util/process-alive.js';
import type { DirCache, DirRef } from './dir-ref.js';
import { copyFailure } from './errors.js';
import { fsPath, hasEscapes, type FsPath } from './fs-path.js';

export const TEMP_PREFIX = '.fanout-tmp-';

// One prefix per thread or process (pid, thread, and random bits for hosts sharing a network file system) plus
// a counter: unique without a syscall per file, and without loading node:crypto at start-up. Temps are created
// with O_EXCL, so a collision could only fail a file, never overwrite one.
const tag = `${process.pid.toString(36)}.${threadId.toString(36)}.${Math.floor(Math.random() * 0x100000).toString(36)}.`;
let counter = 0;

/**
 * tempPath's shape, and no looser: base-36 pid (pid_max 2^22 is 5 digits), thread id, random (< 2^20: 4 digits),
 * counter, then `-name` unless the name was left out. Bounds have slack for other platforms' pids.
 */
const TEMP_NAME = /^\.fanout-tmp-[0-9a-z]{1,8}\.[0-9a-z]{1,8}\.[0-9a-z]{1,4}\.[0-9a-z]{1,11}(?:-[^]+)?$/;
/** The name a socket is bound under before it is hard-linked to its temp (special.ts): `sock-<pid>-<thread>`. */
const SOCKET_NAME = /^\.fanout-tmp-sock-[0-9]{1,10}-[0-9]{1,10}$/;

export function tempPath(dstDir: string, name: string): FsPath {
  const stem = `${TEMP_PREFIX}${tag}${(counter++).toString(36)}-`;
  // Keep within NAME_MAX (255 bytes): a long name is left out of its temp name, and so is one that is not
  // valid UTF-8 (temp names stay readable as strings, for the sweep).
  const keep = Buffer.byteLength(stem) + Buffer.byteLength(name) <= 255 && !hasEscapes(name);
  return fsPath(`${dstDir}/${keep ? stem + name : stem.slice(0, -1)}`);
}

/** Whether a name has the exact shape of a temp name fanout makes (its type aside: see `isTemp`). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && (TEMP_NAME.test(name) || SOCKET_NAME.test(name));
}

/**
 * Whether fanout can have left this entry: a temp is a file, a symlink, a FIFO, a device or a socket, never a
 * directory; a bound socket's name holds nothing but a socket.
 */
function isTemp(name: string, type: Stats | undefined): boolean {
  if (!type || type.isDirectory()) return false;
  return TEMP_NAME.test(name) || (type.isSocket() && SOCKET_NAME.test(name));
}

/**
 * Removes the temps left in one directory (by a killed run or worker, or in flight when a fatal error stopped this
 * run), and only them: entries of temp shape and type (see above), unlinked one by one, never recursively (unlink
 * fails on a directory that took a temp's place meanwhile). `keep` spares names SRC itself has in this directory:
 * a file of that shape in SRC is copied like any other, and stays.
 *
 * The directory is `rel` of `dirs` (dir-ref.ts): listed and unlinked in through its anchor, so a directory of DST
 * swapped for a symlink is never followed into another folder (it cannot be opened: nothing is swept).
 */
export function sweepTemps(dirs: DirCache, rel: string, keep?: (name: string) => boolean): SweepResult {
  let dir: DirRef;
  try {
    dir = dirs.acquire(rel);
  } catch {
    return UNLISTED;
  }
  try {
    return sweepIn(dir, keep);
  } finally {
    dirs.release(rel);
  }
}

/**
 * What a sweep did in one directory: temps `removed`, and names of temp shape `left` there (a live writer's temp, one
 * that could not be removed, or a name SRC has). A directory that could not be listed has left unknown: NaN.
 */
export interface SweepResult {
  removed: number;
  left: number;
}

const UNLISTED: SweepResult = { removed: 0, left: NaN };

function sweepIn(dir: DirRef, keep?: (name: string) => boolean): SweepResult {
  let names: string[];
  try {
    // Names only: a directory of a re-run is listed for nothing in the common case, and a Dirent per entry is
    // most of a listing's cost; the rare name of temp shape is then lstat'ed for its type.
    names = readdirSync(dir.fd >= 0 ? self(dir.fd) : fsPath(dir.path));
  } catch {
    return UNLISTED;
  }
  let removed = 0;
  let left = 0;
  let deadPid = -1;
  for (const name of names) {
    if (!isTempName(name)) continue;
    if (keep?.(name)) {
      left++; // SRC has it now; once SRC lacks it, it is a leftover to remove
      continue;
    }
    // Another live process's temp may be in flight (a concurrent run); this process's own are swept between writes.
    // A killed run's temps share a pid: checked once per listing (a pid dead before it cannot own a temp listed).
    const pid = writerPid(name);
    if (pid !== deadPid && pid !== process.pid) {
      if (alive(pid)) {
        left++;
        continue;
      }
      deadPid = pid;
    }
    try {
      const path = dir.child(name);
      if (!isTemp(name, lstatSync(path, { throwIfNoEntry: false }))) continue;
      unlinkSync(path);
      removed++;
    } catch {
      left++; // best effort: a temp that cannot be removed is harmless to the copy
    }
  }
  return { removed, left };
}

/**
 * The pid in a temp's name (base 36 in a temp name, decimal in a bound socket's): the process that writes it, as a
 * thread writes under its process's pid and a procs child under its own. NaN when the name holds none.
 */
export function writerPid(name: string): number {
  const rest = name.slice(TEMP_PREFIX.length);
  return rest.startsWith('sock-') ? parseInt(rest.slice(5), 10) : parseInt(rest, 36); // parseInt stops at '-' / '.'
}

/** Whether a temp's writer may still be writing it (util/process-alive.ts). */
export { alive };

/** Sweeps one directory of DST (relative). */
export type Sweep = (rel: string) => SweepResult;

/** `sweepTemps` for the coordinator's DST, sparing the names SRC itself has in the same directory. */
export function sweeperFor(src: string, dstDirs: DirCache): Sweep {
  return (rel) => sweepTemps(dstDirs, rel, (name) => lstatSync(fsPath(`${src}/${rel ? `${rel}/` : ''}${name}`), { throwIfNoEntry: false }) !== undefined);
}

/** A temp's final rename. rename(2) replaces files and symlinks (never following them); an empty directory in the way is removed. */
export function renameOver(tmp: FsPath, dstPath: FsPath): void {
  try {
    renameSync(tmp, dstPath);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    try {
      rmdirSync(dstPath);
    } catch {
      throw copyFailure('TYPE_CONFLICT', `${dstPath}: a non-empty directory stands where the source has a non-directory`);
    }
    renameSync(tmp, dstPath);
  }
}

/** Removes a temp that is not to be kept (a failed copy's). */
export function removeQuietly(path: FsPath): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or never created
  }
}
