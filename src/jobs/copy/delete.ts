/**
 * `--delete`: after the copy, remove from DST what SRC does not have (rsync's --delete-after), so a run that stops
 * early never leaves DST with less than before. Runs on the coordinator, whatever the mode: it only lists and
 * unlinks.
 *
 * DST and SRC are walked side by side, each directory opened from its open parent without following a symlink
 * (util/dir-anchor.ts), and every unlink and rmdir names the entry inside its directory's descriptor: a symlink in
 * DST is removed as a link (its target untouched), and a directory swapped for a symlink mid-run fails to open
 * instead of leading a delete out of DST. An entry the filter leaves out of the copy (--exclude, or no --include
 * match) is kept in DST unless `deleteExcluded`, as rsync does. A directory's times are put back after entries
 * in it are removed: the copy set them to SRC's.
 */
import { closeSync, fstatSync, readdirSync, rmdirSync, statSync, unlinkSync, futimesSync, utimesSync, type Dirent } from 'node:fs';
import { anchorsAvailable, at, openDirAt, openRoot, self } from '../../util/dir-anchor.js';
import { copyFailure, entryError } from './errors.js';
import { fsPath, type FsPath } from './fs-path.js';
import { failedRecord, okRecord, type CopyRecord } from './record.js';
import { utimeArgs } from './times.js';
import { readEscaped, statType, type WalkFilter } from './walk.js';

export interface DeletePass {
  src: string;
  dst: string;
  /** The copy's filter (--include/--exclude); entries it leaves out are kept unless `deleteExcluded`. */
  filter: WalkFilter | undefined;
  deleteExcluded: boolean;
  dryRun: boolean;
  /** Each deletion (or, dry, each that would be made), children before their directory. */
  emit(r: CopyRecord): void;
}

/** An open directory: its descriptor (-1 without anchors) and its path, for messages and the fallback. */
interface Dir {
  fd: number;
  path: string;
}

export function deleteExtraneous(p: DeletePass): void {
  const anchored = anchorsAvailable();
  const src = { fd: anchored ? openRoot(p.src) : -1, path: p.src };
  try {
    const dst = { fd: anchored ? openRoot(p.dst) : -1, path: p.dst };
    try {
      pruneDir(p, src, dst, '');
    } finally {
      close(dst);
    }
  } finally {
    close(src);
  }
}

/** Removes from `dst` (the directory `rel`) what `src` lacks, then goes into the subdirectories both have. */
function pruneDir(p: DeletePass, src: Dir, dst: Dir, rel: string): void {
  let srcNames: Map<string, Dirent>;
  let entries: Dirent[];
  const before = stat(dst);
  try {
    entries = list(dst);
    srcNames = new Map(list(src).map((e) => [e.name, e]));
  } catch (err) {
    // Not knowing what SRC holds here, nothing in this directory is deleted.
    p.emit(failedRecord(rel || '.', 'dir', 'delete', entryError(err, rel || '.')));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let removed = false;
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    const isDir = e.isDirectory();
    const kept = !p.filter || p.filter(childRel, isDir);
    const inSrc = srcNames.get(e.name);
    if (!kept && !p.deleteExcluded) continue; // excluded: protected, with its whole subtree
    if (inSrc && kept) {
      if (isDir && inSrc.isDirectory()) descend(p, src, dst, e.name, childRel);
      continue;
    }
    if (remove(p, dst, e, childRel)) removed = true;
  }
  if (removed && !p.dryRun) restoreTimes(dst, before);
}

function descend(p: DeletePass, src: Dir, dst: Dir, name: string, rel: string): void {
  let s: Dir | null = null;
  let d: Dir | null = null;
  try {
    s = child(src, name);
    d = child(dst, name);
    pruneDir(p, s, d, rel);
  } catch (err) {
    p.emit(failedRecord(rel, 'dir', 'delete', entryError(notADir(err, rel), rel)));
  } finally {
    if (s) close(s);
    if (d) close(d);
  }
}

/** Removes the entry `e` of `dir` (a directory with all it holds); false if anything of it stayed. */
function remove(p: DeletePass, dir: Dir, e: Dirent, rel: string): boolean {
  const type = statType(e);
  try {
    if (type === 'dir') {
      const sub = child(dir, e.name);
      let emptied: boolean;
      try {
        emptied = removeContents(p, sub, rel);
      } finally {
        close(sub);
      }
      if (!emptied) return false;
      if (!p.dryRun) rmdirSync(entryPath(dir, e.name));
    } else if (!p.dryRun) unlinkSync(entryPath(dir, e.name));
    p.emit(okRecord(rel, type, 'delete'));
    return true;
  } catch (err) {
    p.emit(failedRecord(rel, type, 'delete', entryError(notADir(err, rel), rel)));
    return false;
  }
}

/** Removes everything in `dir`; true when all of it went. */
function removeContents(p: DeletePass, dir: Dir, rel: string): boolean {
  const entries = list(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let all = true;
  for (const e of entries) if (!remove(p, dir, e, `${rel}/${e.name}`)) all = false;
  return all;
}

function list(dir: Dir): Dirent[] {
  const path: FsPath = dir.fd >= 0 ? self(dir.fd) : fsPath(dir.path);
  const entries = readdirSync(path, { withFileTypes: true });
  return entries.some((e) => e.name.includes('\uFFFD')) ? readEscaped(path) : entries;
}

function child(dir: Dir, name: string): Dir {
  const path = `${dir.path}/${name}`;
  return { fd: dir.fd >= 0 ? openDirAt(dir.fd, fsPath(name)) : -1, path };
}

/** `name` inside `dir`, through its descriptor when anchored. */
function entryPath(dir: Dir, name: string): FsPath {
  return dir.fd >= 0 ? at(dir.fd, fsPath(name)) : fsPath(`${dir.path}/${name}`);
}

function close(dir: Dir): void {
  if (dir.fd >= 0) closeSync(dir.fd);
}

function stat(dir: Dir) {
  return dir.fd >= 0 ? fstatSync(dir.fd, { bigint: true }) : statSync(dir.path, { bigint: true });
}

/** Removing entries moved the directory's mtime: it gets back the times the copy gave it. */
function restoreTimes(dir: Dir, before: ReturnType<typeof stat>): void {
  const [a, m] = utimeArgs({ atimeNs: before.atimeNs, mtimeNs: before.mtimeNs });
  if (dir.fd >= 0) futimesSync(dir.fd, a, m);
  else utimesSync(dir.path, a, m);
}

/** A directory of DST that is a symlink or a file by the time it is opened was swapped in: never followed. */
function notADir(err: unknown, rel: string): unknown {
  const code = (err as { code?: string }).code;
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return err;
  return copyFailure('CHANGED_DURING_COPY', `${rel}: no longer a directory (a symlink or file was put in its place); not followed`, { cause: err });
}
