/**
 * The streaming tree walk: a depth-first, pre-order walk of SRC that yields one listing per directory (the
 * directory itself, then its non-directory children), directories before their contents. Only the current
 * path's sibling lists are held, so a tree of millions of entries never sits in memory at once.
 */
import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { decodeName, fsPath } from './fs-path.js';
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
  /** Non-directory children, sorted by name; directories come as their own listings later. */
  files: Child[];
  /** Why the directory could not be read; its subtree is then not walked. */
  error?: unknown;
  /** Set by the consumer to skip this directory's subdirectories (e.g. its mkdir failed). */
  prune?: boolean;
}

/** Decides whether an entry is walked at all (--include/--exclude). */
export type WalkFilter = (rel: string, isDir: boolean) => boolean;

/** Called with a directory's lstat just before it is listed (listing it may move its atime). */
export type BeforeList = (rel: string, stat: Stats) => void;

export async function* walk(root: string, filter?: WalkFilter, beforeList?: BeforeList): AsyncGenerator<DirListing> {
  // Each frame is one level of the current path: the sibling directories still to visit there.
  const frames: Array<{ dirs: string[]; i: number }> = [{ dirs: [''], i: 0 }];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    if (frame.i >= frame.dirs.length) {
      frames.pop();
      continue;
    }
    const rel = frame.dirs[frame.i++];
    const { listing, subdirs } = read(root, rel, filter, beforeList);
    yield listing;
    if (!listing.prune && subdirs.length > 0) frames.push({ dirs: subdirs, i: 0 });
  }
}

function read(root: string, rel: string, filter?: WalkFilter, beforeList?: BeforeList): { listing: DirListing; subdirs: string[] } {
  const abs = fsPath(rel ? `${root}/${rel}` : root);
  let stat: Stats | null = null;
  let entries: Dirent[];
  try {
    // The directory's stat is taken before reading it, so its atime is the one from before this walk.
    stat = rel ? lstatSync(abs) : statSync(abs);
    beforeList?.(rel, stat);
    entries = readdirSync(abs, { withFileTypes: true });
    // A name that is not valid UTF-8 came back lossy (U+FFFD): read again as bytes, and escape (fs-path.ts).
    if (entries.some((e) => e.name.includes('\uFFFD'))) entries = readEscaped(abs);
  } catch (error) {
    return { listing: { rel, stat, files: [], error }, subdirs: [] };
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
  return { listing: { rel, stat, files }, subdirs };
}

function readEscaped(abs: string | Buffer): Dirent[] {
  const raw = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
  // A Dirent's type lives apart from its name: the name can be swapped for the escaped string.
  for (const e of raw) (e as unknown as { name: string }).name = decodeName(e.name);
  return raw as unknown as Dirent[];
}

/** The entry type of a directory entry or a stat result (both answer the same is*() questions). */
export function statType(s: Stats | Dirent): EntryType {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice()) return 'block';
  return 'char';
}
