/**
 * --files-from FILE: copy only the listed paths (relative to SRC; a leading '/' is dropped, `.` and `..` are
 * resolved within the line), each with the folders on its way, and a listed folder with all it holds. One path
 * per line, taken verbatim (a name may start with '#'); blank lines are skipped, a CR before the newline is not
 * part of the name. A line whose `..` climbs out of SRC is refused before anything is written
 * (FILES_FROM_OUTSIDE_SRC). As rsync without -L, nothing on the way is followed: a symlink on a listed path is
 * copied as the link, and what lies beyond it is not in SRC: listed paths the copy never met, and that are not in
 * SRC (through no symlink), are failed records (LISTED_MISSING), not a silent success.
 */
import { closeSync, lstatSync } from 'node:fs';
import { anchorsAvailable, at, openDirAt, openRoot } from '../../util/dir-anchor.js';
import { copyFailure } from './errors.js';
import { fsPath } from './fs-path.js';
import { readListFile } from './list-file.js';
import type { WalkFilter } from './walk.js';

export async function readFileList(file: string, signal?: AbortSignal): Promise<string[]> {
  const text = await readListFile(file, 'FILES_FROM_UNREADABLE', 'the list', signal);
  const out: string[] = [];
  let n = 0;
  for (let line of text.split('\n')) {
    n++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const clean = normalized(line);
    if (clean === null) throw copyFailure('FILES_FROM_OUTSIDE_SRC', `${file} line ${n}: ${JSON.stringify(line)} leads out of SRC`);
    if (clean !== '') out.push(clean);
  }
  return out;
}

/** `line` as a path inside SRC ('' for SRC itself or a blank line), or null when its `..` climb out of it. */
function normalized(line: string): string | null {
  const parts: string[] = [];
  for (const c of line.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..') parts.push(c);
    else if (parts.pop() === undefined) return null;
  }
  return parts.join('/');
}

/** The listed paths as a walk filter, and which of them the walk met. */
export class ListedPaths {
  private readonly listed = new Set<string>();
  private readonly onTheWay = new Set<string>();
  private readonly met = new Set<string>();

  constructor(paths: string[]) {
    for (const p of paths) {
      this.listed.add(p);
      for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) this.onTheWay.add(p.slice(0, i));
    }
  }

  /**
   * A listed path, anything inside one, and what is on the way to one (a symlink there too: it is copied as the
   * link, and the walk does not go through it).
   */
  readonly filter: WalkFilter = (rel) => {
    if (this.listed.has(rel)) {
      this.met.add(rel);
      return true;
    }
    if (this.onTheWay.has(rel)) return true;
    for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) if (this.listed.has(rel.slice(0, i))) return true;
    return false;
  };

  /** Listed paths the walk did not meet and SRC does not hold (looked up from `src` without following a symlink). */
  missing(src: string): string[] {
    const out: string[] = [];
    for (const p of this.listed) if (!this.met.has(p) && !inTree(src, p)) out.push(p);
    return out.sort();
  }
}

/** Whether `rel` is in the tree at `root`, every folder on its way a real folder (no symlink followed). */
function inTree(root: string, rel: string): boolean {
  const names = rel.split('/');
  const last = names.pop()!;
  if (!anchorsAvailable()) {
    let cur = root;
    for (const n of names) {
      cur = `${cur}/${n}`;
      if (!lstatSync(fsPath(cur), { throwIfNoEntry: false })?.isDirectory()) return false;
    }
    return lstatSync(fsPath(`${cur}/${last}`), { throwIfNoEntry: false }) !== undefined;
  }
  let fd = openRoot(root);
  try {
    for (const n of names) {
      const next = openDirAt(fd, fsPath(n));
      closeSync(fd);
      fd = next;
    }
    return lstatSync(at(fd, fsPath(last)), { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Both filters (either may be absent); `a` is asked first. */
export function bothFilters(a: WalkFilter | undefined, b: WalkFilter | undefined): WalkFilter | undefined {
  if (!a || !b) return a ?? b;
  return (rel, isDir) => a(rel, isDir) && b(rel, isDir);
}

/** The walk filter of a list alone (the tree counter's, tree-count-worker.ts). */
export function listedFilter(paths: string[]): WalkFilter {
  return new ListedPaths(paths).filter;
}
