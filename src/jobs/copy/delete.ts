/**
 * `--delete`: after the copy, remove from DST what SRC does not have (rsync's --delete-after), so a run that stops
 * early never leaves DST with less than before. Runs on the coordinator, whatever the mode: it only lists and
 * unlinks, paced (delete-pace.ts) so that the event loop keeps turning and a signal stops it at the next entry.
 *
 * DST and SRC are walked side by side, each directory opened from its open parent without following a symlink
 * (util/dir-anchor.ts), and every unlink and rmdir names the entry inside its directory's descriptor: a symlink in
 * DST is removed as a link (its target untouched), and a directory swapped for a symlink mid-run fails to open
 * instead of leading a delete out of DST. A mount point below DST is never entered (mount-points.ts). An entry the
 * filter leaves out of the copy (--exclude, or no --include match) is kept in DST unless `deleteExcluded`, as rsync
 * does. A directory's times are put back after entries in it are removed (the copy set them to SRC's), even when
 * the pass stops midway.
 */
import { closeSync, fstatSync, readdirSync, rmdirSync, statSync, unlinkSync, futimesSync, utimesSync, type BigIntStats, type Dirent } from 'node:fs';
import { anchorsAvailable, at, openDirAt, openRoot, self } from '../../util/dir-anchor.js';
import { DeleteStopped, Pace, seam } from './delete-pace.js';
import { copyFailure, entryError } from './errors.js';
import { fsPath, type FsPath } from './fs-path.js';
import { mountPointsBelow } from './mount-points.js';
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
  /** Stops the pass at the next entry (the run's stop: a user's signal). */
  signal?: AbortSignal;
  /** Called before the pass gives the event loop a turn: flush the records emitted so far, report progress. */
  onPause?: () => Promise<void> | null | void;
}

/** An open directory: its descriptor (-1 without anchors), its path (messages, the fallback), its device (DST's). */
interface Dir {
  fd: number;
  path: string;
}

interface Pass extends DeletePass {
  pace: Pace;
  /** DST's device: a directory on another is a mount point, never entered. */
  dev: bigint;
  /** Mount points below DST (relative), bind mounts of DST's own file system included. */
  mounts: Set<string>;
}

/** Runs the pass; false when the signal stopped it before the end (what it deleted is emitted). */
export async function deleteExtraneous(p: DeletePass): Promise<boolean> {
  const anchored = anchorsAvailable();
  const src = { fd: anchored ? openRoot(p.src) : -1, path: p.src };
  try {
    const dst = { fd: anchored ? openRoot(p.dst) : -1, path: p.dst };
    try {
      const pass: Pass = { ...p, pace: new Pace(p.signal, p.onPause ?? (() => {})), dev: stat(dst).dev, mounts: mountPointsBelow(p.dst) };
      await pruneDir(pass, src, dst, '');
      return true;
    } catch (err) {
      if (err instanceof DeleteStopped) return false;
      throw err;
    } finally {
      close(dst);
    }
  } finally {
    close(src);
  }
}

/** Removes from `dst` (the directory `rel`) what `src` lacks, then goes into the subdirectories both have. */
async function pruneDir(p: Pass, src: Dir, dst: Dir, rel: string): Promise<void> {
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
  seam('listed', rel);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let removed = false;
  try {
    for (const e of entries) {
      if (p.pace.due()) await p.pace.pause();
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const isDir = e.isDirectory();
      const kept = !p.filter || p.filter(childRel, isDir);
      const inSrc = srcNames.get(e.name);
      if (!kept && !p.deleteExcluded) continue; // excluded: protected, with its whole subtree
      if (inSrc && kept) {
        if (isDir && inSrc.isDirectory()) await descend(p, src, dst, e.name, childRel);
        continue;
      }
      let gone = remove(p, dst, e, childRel);
      if (typeof gone !== 'boolean') gone = await gone;
      if (gone) removed = true;
    }
  } finally {
    if (removed && !p.dryRun) restoreTimes(dst, before);
  }
}

async function descend(p: Pass, src: Dir, dst: Dir, name: string, rel: string): Promise<void> {
  let s: Dir | null = null;
  let d: Dir | null = null;
  try {
    s = child(src, name);
    d = dstChild(p, dst, name, rel);
    await pruneDir(p, s, d, rel);
  } catch (err) {
    if (err instanceof DeleteStopped) throw err;
    p.emit(failedRecord(rel, 'dir', 'delete', entryError(notADir(err, rel), rel)));
  } finally {
    if (s) close(s);
    if (d) close(d);
  }
}

/**
 * Removes the entry `e` of `dir` (a directory with all it holds); false if anything of it stayed. Synchronous for
 * a non-directory: a promise per file would cost more than its unlink.
 */
function remove(p: Pass, dir: Dir, e: Dirent, rel: string): boolean | Promise<boolean> {
  const type = statType(e);
  if (type === 'dir') return removeDir(p, dir, e.name, rel);
  try {
    if (!p.dryRun) unlinkSync(entryPath(dir, e.name)); // a FIFO or device is unlinked, never opened
    p.emit(okRecord(rel, type, 'delete'));
    return true;
  } catch (err) {
    p.emit(failedRecord(rel, type, 'delete', entryError(err, rel)));
    return false;
  }
}

async function removeDir(p: Pass, dir: Dir, name: string, rel: string): Promise<boolean> {
  try {
    const sub = dstChild(p, dir, name, rel);
    let emptied: boolean;
    try {
      emptied = await removeContents(p, sub, rel);
    } finally {
      close(sub);
    }
    if (!emptied) return false;
    if (!p.dryRun) rmdirSync(entryPath(dir, name));
    p.emit(okRecord(rel, 'dir', 'delete'));
    return true;
  } catch (err) {
    if (err instanceof DeleteStopped) throw err;
    p.emit(failedRecord(rel, 'dir', 'delete', entryError(notADir(err, rel), rel)));
    return false;
  }
}

/** Removes everything in `dir`; true when all of it went. */
async function removeContents(p: Pass, dir: Dir, rel: string): Promise<boolean> {
  const entries = list(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  seam('listed', rel);
  let all = true;
  for (const e of entries) {
    if (p.pace.due()) await p.pace.pause();
    let gone = remove(p, dir, e, `${rel}/${e.name}`);
    if (typeof gone !== 'boolean') gone = await gone;
    if (!gone) all = false;
  }
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

/** A directory of DST, opened to delete in: refused when it is a mount point (another device, or in the table). */
function dstChild(p: Pass, dir: Dir, name: string, rel: string): Dir {
  const d = child(dir, name);
  if (stat(d).dev === p.dev && !p.mounts.has(rel)) return d;
  close(d);
  throw copyFailure('MOUNT_POINT', `${rel}: a mount point inside DST; --delete does not enter it (--exclude it to keep it quietly)`);
}

/** `name` inside `dir`, through its descriptor when anchored. */
function entryPath(dir: Dir, name: string): FsPath {
  return dir.fd >= 0 ? at(dir.fd, fsPath(name)) : fsPath(`${dir.path}/${name}`);
}

function close(dir: Dir): void {
  if (dir.fd >= 0) closeSync(dir.fd);
}

function stat(dir: Dir): BigIntStats {
  return dir.fd >= 0 ? fstatSync(dir.fd, { bigint: true }) : statSync(dir.path, { bigint: true });
}

/** Removing entries moved the directory's mtime: it gets back the times the copy gave it. */
function restoreTimes(dir: Dir, before: BigIntStats): void {
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
