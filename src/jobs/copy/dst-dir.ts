/**
 * The destination side of a directory, prepared on the coordinator during the walk so that a directory
 * exists before any of its children is dispatched. A symlink or file standing where SRC has a directory is
 * replaced, never written through.
 */
import { chmodSync, closeSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, unlinkSync, type Stats } from 'node:fs';
import { DIR_FLAGS, openPath, self } from '../../util/dir-anchor.js';
import type { FsPath } from './fs-path.js';
import { dirname } from 'node:path';
import { copyError, copyFailure } from './errors.js';
import { makeDirs } from '../../util/make-dirs.js';
import type { DirRef } from './dir-ref.js';
import { metaChanges, NEW } from './changes.js';
import type { Identity } from './metadata.js';
import type { Action } from './record.js';

const SETGID = 0o2000;

export interface PreparedDir {
  action: Action;
  /** What differs from SRC's directory (changes.ts). */
  changes: number;
  /** Created just now: its children need no destination lstat. */
  fresh: boolean;
  sgid: boolean;
  /** Its mode was opened up: its metadata must be set again at the end. */
  touched: boolean;
  /** Ours but read-only to us (not root): opened up only when something is written into it (`openUpToWrite`). */
  locked: boolean;
  /** An existing directory's lstat, taken before anything here touched it. */
  stat?: Stats;
}

/**
 * Makes `name` in the destination directory `parent` a real directory (never following a symlink on the way:
 * `parent` is held open, dir-ref.ts). New directories start as 0700 (their final mode comes bottom-up, once their
 * contents are written); an existing one keeps its mode (copy.ts sweeps the temps a killed run left in it).
 * `parentLocked`: the parent is read-only to us, opened up before a directory is made in it.
 */
export function prepareDir(
  parent: DirRef | null, name: string, s: Stats, parentSgid: boolean, parentLocked: boolean, id: Identity, dryRun: boolean, srcRoot?: Stats,
): PreparedDir {
  // No parent: a dry run, under a directory it did not create; nothing can stand there.
  const p = parent?.child(name) ?? '';
  const d = parent ? lstatSync(p, { throwIfNoEntry: false }) : undefined;
  const dstDir = parent ? `${parent.path}/${name}` : name;
  if (d?.isDirectory()) {
    // SRC itself, reached inside DST through a bind mount (checkRoots cannot see it): writing here would overwrite
    // SRC's own files with others of SRC.
    if (srcRoot && d.ino === srcRoot.ino && d.dev === srcRoot.dev) {
      throw copyFailure('REFUSED_SRC_INSIDE_DST', `${dstDir} is SRC itself (DST reaches it through a mount): nothing written into it`);
    }
    // Not root: a directory of an earlier run that we cannot list or enter is opened up now (it is read, and
    // opened as an anchor, dir-ref.ts); one we only cannot write to, when something is written into it. Changing a
    // mode moves the directory's ctime, which a re-run that writes nothing must leave alone.
    let touched = false;
    if (!dryRun && !id.root && (d.mode & 0o500) !== 0o500) {
      openUp(parent!, name, p, d);
      touched = true;
    }
    const locked = !touched && readOnlyToUs(d.mode, id, dryRun);
    const changes = metaChanges(s, d, id);
    return { action: changes ? 'meta' : 'skip', changes, fresh: false, sgid: (d.mode & SETGID) !== 0, touched, locked, stat: d };
  }
  if (!dryRun) {
    if (parentLocked) openUpToWrite(parent!);
    if (d) unlinkSync(p); // a symlink or file in the way: removed (the link itself, not its target)
    mkdirSync(p, 0o700);
  }
  // mkdir(2) on Linux gives a new directory its parent's setgid bit.
  return { action: 'mkdir', changes: NEW, fresh: true, sgid: parentSgid, touched: true, locked: false };
}

/** Whether an existing destination directory of this mode is read-only to us (see `PreparedDir.locked`). */
export function readOnlyToUs(mode: number, id: Identity, dryRun: boolean): boolean {
  return !dryRun && !id.root && (mode & 0o200) === 0;
}

/**
 * Gives the owner rwx on a destination directory held open (dir-ref.ts) before something is written into it: its
 * mode is set again once its subtree is done, as anything written into it makes it dirty (copy.ts).
 */
export function openUpToWrite(dir: DirRef): void {
  if (dir.fd >= 0) {
    const now = fstatSync(dir.fd);
    if ((now.mode & 0o700) !== 0o700) fchmodSync(dir.fd, (now.mode & 0o7777) | 0o700);
    return;
  }
  const now = lstatSync(dir.path);
  if (now.isDirectory() && (now.mode & 0o700) !== 0o700) chmodSync(dir.path, (now.mode & 0o7777) | 0o700);
}

/**
 * Gives the owner rwx on an existing directory of ours, through the directory itself, opened without following a
 * symlink (O_PATH: no read permission needed) and checked to be the one lstat saw. Only where O_PATH is unknown
 * and the directory cannot be read is it changed by name: a symlink swapped in there meanwhile could then lead the
 * chmod to another file this user owns (a non-root chmod can change no other).
 */
function openUp(parent: DirRef, name: string, p: FsPath, d: Stats): void {
  const mode = (d.mode & 0o7777) | 0o700;
  const fd = openPath(p);
  if (fd < 0 && (d.mode & 0o400) === 0) return chmodSync(p, mode);
  const dir = fd >= 0 ? fd : openSync(p, DIR_FLAGS);
  try {
    const now = fstatSync(dir);
    if (now.ino !== d.ino || now.dev !== d.dev || !now.isDirectory()) {
      throw copyFailure('CHANGED_DURING_COPY', `${parent.path}/${name}: replaced during the copy`);
    }
    if (fd >= 0) chmodSync(self(fd), mode); // an O_PATH descriptor takes no fchmod: its /proc link is exactly it
    else fchmodSync(dir, mode);
  } finally {
    closeSync(dir);
  }
}

/**
 * Creates a missing DST before the walk. Its missing parents get the default mode, as `mkdir -p` gives them (no
 * later step sets their mode: a 0700 parent would lock other users out of the copy); DST itself starts as 0700
 * like every new directory. Not one recursive mkdir: Node's reports EROFS on a missing path as ENOENT, and spins
 * forever under /proc (see util/make-dirs.ts). Errors keep their stable code (READ_ONLY, NO_SPACE, PERMISSION)
 * and stop the run before anything is copied.
 */
export function makeDstRoot(dst: string): void {
  try {
    makeDirs(dirname(dst));
    mkdirSync(dst, 0o700);
  } catch (err) {
    const e = copyError(err, dst);
    // ENOENT here is a file system that will not have the path (under /proc), not a source that vanished.
    throw copyFailure(e.code === 'VANISHED' ? 'IO_ERROR' : e.code, `cannot create the destination: ${e.message}`, { cause: err });
  }
}
