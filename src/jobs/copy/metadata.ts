/**
 * Metadata as `cp -a` keeps it: mode bits, owner and group (when root), atime and mtime (times.ts: never later
 * than the source's). Link metadata goes through lchown/lutimes so it never touches a link's target.
 */
import type { FsPath } from './fs-path.js';
import {
  chmodSync, chownSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, lstatSync, lutimesSync, openSync,
  utimesSync, type Stats,
} from 'node:fs';
import { openPath, self } from '../../util/dir-anchor.js';
import { timesOf, utimeArgs, type Times } from './times.js';
import { copyFailure } from './errors.js';
import type { StatNumbers } from './quick-stat.js';

const PERM = 0o7777;
const SETID = 0o6000;

/** Who runs the copy, and whether new files in the destination directory take the directory's group (setgid). */
export interface Identity {
  root: boolean;
  uid: number;
  gid: number;
  /** The groups this process belongs to: without root, a file's group can be kept when it is one of them. */
  groups: ReadonlySet<number>;
}

export function processIdentity(): Identity {
  const uid = process.geteuid?.() ?? -1;
  const gid = process.getegid?.() ?? -1;
  return { root: uid === 0, uid, gid, groups: new Set([gid, ...(process.getgroups?.() ?? [])]) };
}

/**
 * The (uid, gid) to give a fresh entry, -1 for "as it is", or null when it already carries the source's. Root
 * sets both; anyone else keeps the group when it is one of theirs, as `cp -a` and `rsync -a` do (a shared
 * project's files must not fall back to the copier's own group).
 */
export function ownerToSet(s: Stats, id: Identity, dirSetgid: boolean): [number, number] | null {
  if (id.root) return s.uid !== id.uid || s.gid !== id.gid || dirSetgid ? [s.uid, s.gid] : null;
  return id.groups.has(s.gid) && (s.gid !== id.gid || dirSetgid) ? [-1, s.gid] : null;
}

/** Whether an existing entry's owner differs from the source's in a way this process may fix. */
function ownerDiffers(s: StatNumbers, d: StatNumbers, id: Identity): boolean {
  if (id.root) return s.uid !== d.uid || s.gid !== d.gid;
  return s.gid !== d.gid && id.groups.has(s.gid);
}

/**
 * Owner, mode and times of a freshly written regular file, on its temp still held open as `fd` (`modeSet` when
 * its mode is already exact): never by path, where an entry swapped in since its creation would be followed.
 */
export function applyFileMetaFd(fd: number, s: Stats, id: Identity, dirSetgid: boolean, modeSet: boolean, t: Times): void {
  const owner = ownerToSet(s, id, dirSetgid);
  if (owner) fchownSync(fd, owner[0], owner[1]);
  // chown clears setuid/setgid bits, so the mode goes after it.
  if (!modeSet || (owner && (s.mode & SETID) !== 0)) fchmodSync(fd, s.mode & PERM);
  futimesSync(fd, ...utimeArgs(t));
}

/**
 * Owner and times of a fresh FIFO, device or socket, whose mode was given at its creation: lchown and lutimes
 * never follow a symlink swapped in at its name, and a node is never opened (opening a device can act on it).
 * Linux has no chmod that does not follow a symlink, so setuid/setgid bits a chown clears on a node stay cleared.
 */
export function applyNodeMeta(path: FsPath, s: Stats, id: Identity, dirSetgid: boolean, t: Times): void {
  const owner = ownerToSet(s, id, dirSetgid);
  if (owner) lchownSync(path, owner[0], owner[1]);
  lutimesSync(path, ...utimeArgs(t));
}

/** fixMeta's answer when the entry cannot be fixed in place without following a name: write it again instead. */
export const RECREATE = 'recreate';

/**
 * Fixes what differs on an entry whose data is already current (the `meta` action); returns whether it wrote, or
 * RECREATE. The entry is opened as itself (O_PATH, without following a symlink: no permission needed, a device
 * is not opened), checked to be the inode `d` describes, and fixed through that descriptor's /proc/self/fd link.
 * A symlink is fixed with lchown and lutimes. Without O_PATH, a regular file or FIFO is opened for reading or
 * writing instead; what cannot be opened keeps lchown and lutimes, and a mode that differs is written by
 * recreating the entry.
 */
export function fixMeta(path: FsPath, s: Stats, d: Stats, id: Identity, t: Times): boolean | typeof RECREATE {
  const link = s.isSymbolicLink();
  const fd = link ? -1 : openPath(path);
  if (fd >= 0) {
    try {
      checkSame(fd, path, d);
      const at = self(fd);
      return fixWith(s, d, id, t, { chown: (u, g) => chownSync(at, u, g), chmod: (m) => chmodSync(at, m), utimes: (a, m) => utimesSync(at, a, m) });
    } finally {
      closeSync(fd);
    }
  }
  const open = !link && (s.isFile() || s.isFIFO()) ? openExisting(path, d) : -1;
  if (open >= 0) {
    try {
      return fixWith(s, d, id, t, { chown: (u, g) => fchownSync(open, u, g), chmod: (m) => fchmodSync(open, m), utimes: (a, m) => futimesSync(open, a, m) });
    } finally {
      closeSync(open);
    }
  }
  const modeDiffers = !link && (s.mode & PERM) !== (d.mode & PERM);
  if (modeDiffers || (ownerDiffers(s, d, id) && (s.mode & SETID) !== 0 && !link)) return RECREATE;
  return fixWith(s, d, id, t, { chown: (u, g) => lchownSync(path, u, g), chmod: () => {}, utimes: (a, m) => lutimesSync(path, a, m) });
}

interface MetaOps {
  chown(uid: number, gid: number): void;
  chmod(mode: number): void;
  utimes(atime: number | string, mtime: number | string): void;
}

function fixWith(s: Stats, d: Stats, id: Identity, t: Times, op: MetaOps): boolean {
  let wrote = false;
  if (ownerDiffers(s, d, id)) {
    op.chown(id.root ? s.uid : -1, s.gid);
    wrote = true;
  }
  if (!s.isSymbolicLink() && ((s.mode & PERM) !== (d.mode & PERM) || (wrote && (s.mode & SETID) !== 0))) {
    op.chmod(s.mode & PERM);
    wrote = true;
  }
  if (!sameDstTime(s.mtimeMs, d.mtimeMs)) {
    op.utimes(...utimeArgs(t));
    wrote = true;
  }
  return wrote;
}

/** Another entry swapped in at the name since the lstat that decided on `meta` is a change, not a target. */
function checkSame(fd: number, path: FsPath, d: Stats): void {
  const now = fstatSync(fd);
  if (now.ino !== d.ino || now.dev !== d.dev || (now.mode & 0o170000) !== (d.mode & 0o170000)) {
    throw copyFailure('CHANGED_DURING_COPY', `${String(path)}: replaced by another entry while its metadata was fixed`);
  }
}

const NOFOLLOW = constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Permission denied; a FIFO without a reader (for writing); a running program (for writing). */
const CANNOT_OPEN = new Set(['EACCES', 'ENXIO', 'ETXTBSY']);

/**
 * The existing entry `d` describes, opened without following a symlink (read, else write: neither truncates nor
 * writes a byte), or -1 when permission denies both. Another entry swapped in since the lstat is a change.
 */
function openExisting(path: FsPath, d: Stats): number {
  let fd = -1;
  for (const flags of [constants.O_RDONLY, constants.O_WRONLY]) {
    try {
      fd = openSync(path, flags | NOFOLLOW);
      break;
    } catch (err) {
      if (!CANNOT_OPEN.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
  if (fd < 0) return -1;
  try {
    checkSame(fd, path, d);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** Whether metadata other than the data differs (what `fixMeta` would change). */
export function metaDiffers(s: StatNumbers, d: StatNumbers, id: Identity): boolean {
  if (ownerDiffers(s, d, id)) return true;
  if (!s.isSymbolicLink() && (s.mode & PERM) !== (d.mode & PERM)) return true;
  return !sameDstTime(s.mtimeMs, d.mtimeMs);
}

export function setLinkMeta(path: FsPath, s: Stats, id: Identity, dirSetgid: boolean, t: Times): void {
  const owner = ownerToSet(s, id, dirSetgid);
  if (owner) lchownSync(path, owner[0], owner[1]);
  lutimesSync(path, ...utimeArgs(t));
}

/** The times of the entry at `path` that `s` describes, exact when a bigint lstat of it agrees (times.ts). */
export function exactTimes(path: FsPath, s: Stats): Times {
  const b = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  return timesOf(s, b && b.ino === BigInt(s.ino) ? b : undefined);
}

/**
 * Whether a destination's mtime stands for the source's: equal (sameTime), or, when the destination keeps whole
 * seconds only (ext3 with 128-byte inodes, some NFS and SMB servers: no fraction), the source's second (rsync's
 * default quick check compares seconds). Without it, every file there was copied again on every run.
 */
export function sameDstTime(srcMs: number, dstMs: number): boolean {
  return sameTime(srcMs, dstMs) || (dstMs % 1000 === 0 && Math.floor(srcMs / 1000) * 1000 === dstMs);
}

/** Equal within 2 microseconds: a copy's time is up to 1 us below on Node 20 (times.ts), and ms doubles add ~0.25 us of rounding. */
export function sameTime(aMs: number, bMs: number): boolean {
  return Math.abs(aMs - bMs) < 0.002;
}

/**
 * Directory metadata, applied bottom-up once the directory's contents are written, on the directory held open
 * as `fd` (never through a path a symlink could have been swapped into). Writes only what differs.
 */
export function applyDirMeta(fd: number, s: Stats, id: Identity, t: Times): void {
  const d = fstatSync(fd);
  let chowned = false;
  if (ownerDiffers(s, d, id)) {
    fchownSync(fd, id.root ? s.uid : -1, s.gid);
    chowned = true;
  }
  if ((s.mode & PERM) !== (d.mode & PERM) || (chowned && (s.mode & SETID) !== 0)) fchmodSync(fd, s.mode & PERM);
  if (!sameDstTime(s.mtimeMs, d.mtimeMs)) futimesSync(fd, ...utimeArgs(t));
}
