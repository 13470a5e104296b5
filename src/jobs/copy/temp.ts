/** Temp names: `.fanout-tmp-<random>-<name>` in the destination's own directory, so the final rename is atomic. */
import { readdirSync, rmSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { fsPath, hasEscapes, type FsPath } from './fs-path.js';

export const TEMP_PREFIX = '.fanout-tmp-';

// One prefix per thread or process (pid, thread, and random bits for hosts sharing a network file system) plus
// a counter: unique without a syscall per file, and without loading node:crypto at start-up. Temps are created
// with O_EXCL, so a collision could only fail a file, never overwrite one.
const tag = `${process.pid.toString(36)}.${threadId.toString(36)}.${Math.floor(Math.random() * 0x100000).toString(36)}.`;
let counter = 0;

export function tempPath(dstDir: string, name: string): FsPath {
  const stem = `${TEMP_PREFIX}${tag}${(counter++).toString(36)}-`;
  // Keep within NAME_MAX (255 bytes): a long name is left out of its temp name, and so is one that is not
  // valid UTF-8 (temp names stay readable as strings, for the sweep).
  const keep = Buffer.byteLength(stem) + Buffer.byteLength(name) <= 255 && !hasEscapes(name);
  return fsPath(`${dstDir}/${keep ? stem + name : stem.slice(0, -1)}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** Removes temps left in one directory (by a killed run, or in-flight when a fatal error stopped this one). */
export function sweepTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(fsPath(dir));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (!isTempName(n)) continue;
    try {
      rmSync(fsPath(`${dir}/${n}`), { force: true, recursive: true });
      removed++;
    } catch {
      // best effort: a temp that cannot be removed is harmless to the copy and reported by nobody
    }
  }
  return removed;
}
