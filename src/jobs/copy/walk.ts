/**
 * The streaming tree walk: a depth-first, pre-order walk of SRC that yields one listing per directory (the
 * directory itself, then its non-directory children), directories before their contents. Only the current
 * path's sibling lists are held, so a tree of millions of entries never sits in memory at once.
 *
 * Each directory below the root is opened from its open parent without following a symlink (util/dir-anchor.ts)
 * and listed through that descriptor: a directory swapped for a symlink after its parent was listed is a failed
 * listing (CHANGED_DURING_COPY), never a listing of what the link points to. The current path's directories stay
 * open while their subdirectories are walked. Without /proc/self/fd, the walk goes by path.
 */
import { closeSync, fstatSync, lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { copyFailure } from './errors.js';
import { anchorsAvailable, openDirAt, openRoot, self } from '../../util/dir-anchor.js';
import { decodeName, fsPath, type FsPath } from './fs-path.js';
import type { EntryType } from './record.js';

export interface Child {
  name: string;
  type: EntryType;
}

export interface DirListing {
  /** Path relative to the root, '/'-separated; '' is the root. */
  rel: string;
  /** The directory's own lstat (stat for the root, which may be a symlink to a directory). */
  stat: Stats | null;
  /** Its atime before it was listed, exact (stat's atimeMs is a rounded double): what the copy keeps. */
  atimeNs?: bigint;
  /** Non-directory children, sorted by name; directories come as their own listings later. */
  files: Child[];
  /** Why the directory could not be read; its subtree is then not walked. */
  error?: unknown;
}

/** Decides whether an entry is walked at all (--include/--exclude). */
export type WalkFilter = (rel: string, isDir: boolean) => boolean;

/** Called with a directory's lstat and exact atime just before it is listed (listing it may move its atime). */
export type BeforeList = (rel: string, stat: Stats, atimeNs: bigint) => void;

/**
 * The consumer steers the walk through `next(descend)`: `false` after a listing skips that directory's
 * subdirectories (its contents cannot be written); anything else, as a for-of loop passes, walks into them.
 */
export async function* walk(root: string, filter?: WalkFilter, beforeList?: BeforeList): AsyncGenerator<DirListing, void, boolean | undefined> {
  const anchored = anchorsAvailable();
  // Each frame is one level of the current path: the sibling directories still to visit there, and the open
  // directory they are in (-1 for the root's frame, or without anchors).
  const frames: Array<{ dirs: string[]; i: number; fd: number }> = [{ dirs: [''], i: 0, fd: -1 }];
  let held = -1; // a directory just read, open until its frame is pushed
  try {
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.i >= frame.dirs.length) {
        frames.pop();
        if (frame.fd >= 0) closeSync(frame.fd);
        continue;
      }
      const rel = frame.dirs[frame.i++];
      const { listing, subdirs, fd } = read(root, rel, anchored ? frame.fd : null, filter, beforeList);
      held = fd;
      const descend = yield listing;
      if (descend !== false && subdirs.length > 0) frames.push({ dirs: subdirs, i: 0, fd });
      else if (fd >= 0) closeSync(fd);
      held = -1;
    }
  } finally {
    if (held >= 0) closeSync(held);
    for (const f of frames) if (f.fd >= 0) closeSync(f.fd);
  }
}

interface Read {
  listing: DirListing;
  subdirs: string[];
  /** The directory, open (anchored walks only), else -1. */
  fd: number;
}

/** Lists `rel`: opened from `parentFd` (its parent, or -1 for the root) when anchored (`parentFd` not null). */
function read(root: string, rel: string, parentFd: number | null, filter?: WalkFilter, beforeList?: BeforeList): Read {
  const abs = fsPath(rel ? `${root}/${rel}` : root);
  let stat: Stats | null = null;
  let atimeNs: bigint | undefined;
  let entries: Dirent[];
  let fd = -1;
  try {
    // The directory's stat is taken before reading it, so its atime is the one from before this walk.
    if (parentFd === null) {
      stat = rel ? lstatSync(abs) : statSync(abs);
      atimeNs = (rel ? lstatSync(abs, { bigint: true }) : statSync(abs, { bigint: true })).atimeNs;
    } else {
      fd = rel ? openDirAt(parentFd, fsPath(rel.slice(rel.lastIndexOf('/') + 1))) : openRoot(abs);
      stat = fstatSync(fd);
      atimeNs = fstatSync(fd, { bigint: true }).atimeNs;
    }
    beforeList?.(rel, stat, atimeNs);
    const dir: FsPath = fd >= 0 ? self(fd) : abs;
    entries = readdirSync(dir, { withFileTypes: true });
    // A name that is not valid UTF-8 came back lossy (U+FFFD): read again as bytes, and escape (fs-path.ts).
    if (entries.some((e) => e.name.includes('\uFFFD'))) entries = readEscaped(dir);
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    return { listing: { rel, stat, atimeNs, files: [], error: swapped(error, abs) }, subdirs: [], fd: -1 };
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: Child[] = [];
  const subdirs: string[] = [];
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    const isDir = e.isDirectory();
    if (filter && !filter(childRel, isDir)) continue;
    if (isDir) subdirs.push(childRel);
    else files.push({ name: e.name, type: statType(e) });
  }
  return { listing: { rel, stat, atimeNs, files }, subdirs, fd };
}

/** A directory that is a symlink or a file by the time it is opened was swapped during the walk: not followed. */
function swapped(error: unknown, abs: FsPath): unknown {
  const code = (error as { code?: string }).code;
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return error;
  return copyFailure('CHANGED_DURING_COPY', `${String(abs)}: no longer a directory (a symlink or file was put in its place); not followed`, { cause: error });
}

/** A directory's entries read as bytes, names not valid UTF-8 escaped (fs-path.ts). */
export function readEscaped(abs: string | Buffer): Dirent[] {
  const raw = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
  // A Dirent's type lives apart from its name: the name can be swapped for the escaped string.
  for (const e of raw) (e as unknown as { name: string }).name = decodeName(e.name);
  return raw as unknown as Dirent[];
}

/** The entry type of a directory entry or a stat result (both answer the same is*() questions). */
export function statType(s: Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isBlockDevice'>): EntryType {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice()) return 'block';
  return 'char';
}
