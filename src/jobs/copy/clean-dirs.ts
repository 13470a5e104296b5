/**
 * The record of DST's folders that a run found free of temps, so that a re-run sweeps (temp.ts: lists) only the
 * folders changed since: on a no-op re-run, listing every folder of DST is most of what rsync does not do.
 *
 * A folder is noted with its stamp (inode, mtime, ctime) as an lstat saw it before a listing that found no temp in
 * it; a folder this run wrote in is not noted (pending-dirs.ts). Creating, removing or renaming an entry moves a
 * folder's mtime and ctime, and setting its times back moves its ctime: a folder whose stamp is unchanged has gained
 * no temp since it was found clean. Stamps are compared with each other only, and with this machine's clock only
 * where they are in whole seconds (`settled`). A temp a live writer is still writing, one that could not be removed,
 * or a name of temp shape SRC has, keeps its folder out of the record (its writer may be killed later, SRC may lose
 * the name: neither changes anything the stamp shows).
 *
 * Used only where a folder's times come from this machine's kernel, unseen by any attribute cache: DST on a local
 * file system (LOCAL_FS), and a folder on DST's own device. Kept in the user's cache folder (util/user-cache.ts),
 * one file per DST (its path, device and inode, checked when read), written whole to a temp and renamed; one that
 * cannot be read or does not match is no record: every folder is swept, as without one. Nothing here fails a run.
 */
import { lstatSync, readdirSync, readFileSync, renameSync, statfsSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { cacheDir, ownFolder } from '../../util/user-cache.js';

/** statfs f_type of the local file systems whose directory times the record trusts. */
const LOCAL_FS = new Set([
  0x01021994, // tmpfs
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0xca451a4e, // bcachefs
]);

/** Records kept at most, one per DST: the oldest are removed when a new one is written. */
const KEEP = 64;
/**
 * The rule a record was noted under: raised whenever a folder noted under the last one may not be clean under this
 * one (the sweep removes more, or a folder is noted on less), so that such a record is no record.
 */
const VERSION = 3;
/**
 * Folders noted at most per DST, so that the record's memory stays bounded (a folder's path and a number, ~150 bytes,
 * held twice: the last run's notes and this one's; at most ~60 MB): past it, folders are listed as without a record.
 */
export const MAX_NOTED = 200_000;

type Stamped = Pick<Stats, 'dev' | 'ino' | 'mtimeMs' | 'ctimeMs'>;

export class CleanDirs {
  /** This run's notes: what the next run reads. */
  private readonly found = new Map<string, number>();

  private constructor(
    private readonly file: string,
    private readonly dst: string,
    private readonly root: Stamped,
    /** The last run's notes. */
    private readonly known: Map<string, number>,
  ) {}

  /**
   * The record for DST (`root` its stat), or null where none is kept: another file system than LOCAL_FS, no folder
   * of this user's own. `env` decides the cache folder (util/user-cache.ts).
   */
  static open(dst: string, root: Stats, env: NodeJS.ProcessEnv = process.env): CleanDirs | null {
    try {
      if (!keepsRecord(dst)) return null;
      const dir = cacheDir(env, 'clean-dirs');
      if (!dir || !ownFolder(dir)) return null;
      const file = join(dir, `${cyrb53(dst).toString(16)}-${root.dev}-${root.ino}.json`);
      return new CleanDirs(file, dst, root, read(file, dst, root));
    } catch {
      return null;
    }
  }

  /** Whether the DST folder `rel`, as `st` shows it now, is unchanged since a run found it free of temps. */
  unchanged(rel: string, st: Stamped): boolean {
    return st.dev === this.root.dev && this.known.get(rel) === stamp(st);
  }

  /** Notes `rel` as free of temps when it was as `st` shows it. */
  note(rel: string, st: Stamped): void {
    if (st.dev === this.root.dev && this.found.size < MAX_NOTED) this.found.set(rel, stamp(st));
  }

  /**
   * Writes this run's notes for the next run (replacing the last run's), then trims the oldest records. A run that
   * noted nothing (a fresh copy: every folder written in) leaves the last record as it is: its notes still hold.
   */
  save(): void {
    if (this.found.size === 0) return;
    const tmp = `${this.file}.${process.pid}.${threadId}.tmp`; // two threads of one process may save at once
    try {
      const body = JSON.stringify({ v: VERSION, dst: this.dst, dev: this.root.dev, ino: this.root.ino, dirs: [...this.found] });
      writeFileSync(tmp, body, { flag: 'wx', mode: 0o600 });
      renameSync(tmp, this.file);
      trim(join(this.file, '..'));
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // never made
      }
    }
  }
}

/** Whether a record is kept for a DST on the file system of `path` (see LOCAL_FS). */
export function keepsRecord(path: string): boolean {
  try {
    return LOCAL_FS.has(statfsSync(path).type);
  } catch {
    return false;
  }
}

/** The coarse clock's tick (HZ 100) and then some: how far a file system's times may lag Date.now(). */
const TICK_MS = 20;

/**
 * Whether a folder's stamp, from an lstat taken at or after `before` (Date.now()), will move with any later change.
 * A file system that keeps whole seconds (ext2, ext3, ext4 with 128-byte inodes) gives an entry made in the second
 * of the folder's last change that same ctime: such a stamp is noted only once its second was over before the lstat.
 */
export function settled(st: Stamped, before: number): boolean {
  return st.ctimeMs % 1000 !== 0 || st.ctimeMs + 1000 + TICK_MS <= before;
}

/**
 * A folder's stamp: what any change to its entries or its times moves, kept as a 53-bit hash of inode, mtime and ctime
 * (cyrb53): a changed folder keeps its stamp only by a collision, ~1 in 2^53.
 */
function stamp(st: Stamped): number {
  return cyrb53(`${st.ino}:${st.mtimeMs}:${st.ctimeMs}`);
}

/** cyrb53, a 53-bit string hash: folder stamps, and DST's path in the record's file name (checked inside). */
function cyrb53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The last run's notes for this DST, or none. */
function read(file: string, dst: string, root: Stamped): Map<string, number> {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { v?: unknown; dst?: unknown; dev?: unknown; ino?: unknown; dirs?: unknown };
    if (r.v !== VERSION || r.dst !== dst || r.dev !== root.dev || r.ino !== root.ino || !Array.isArray(r.dirs)) return new Map();
    const dirs = new Map<string, number>();
    for (const e of r.dirs as unknown[]) {
      if (dirs.size >= MAX_NOTED) break;
      if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') dirs.set(e[0], e[1]);
    }
    return dirs;
  } catch {
    return new Map();
  }
}

/** Removes the oldest records beyond KEEP (a temp of a killed save counts as one). */
function trim(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= KEEP) return;
  const aged = names.map((n) => ({ n, t: lstatSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - KEEP)) {
    try {
      unlinkSync(join(dir, n));
    } catch {
      // removed by a concurrent trim
    }
  }
}
