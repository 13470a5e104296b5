/**
 * One non-directory entry, end to end: lstat the source (and the destination unless its directory is new),
 * decide (plan.ts), act, and return its record. Never throws: an error becomes the entry's failed record. In a
 * directory this run created, a regular file is opened instead of lstat'ed: its fstat is the lstat. Elsewhere a
 * regular file meets the quick check first, on lstat numbers alone (quick-stat.ts): most of a re-run ends there.
 */
import { closeSync, linkSync, lstatSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { entryChanges } from './changes.js';
import { entryError } from './errors.js';
import { LARGE, writeFileAsync, writeFileSync } from './copy-file.js';
import { isSparse, sameContents } from './file-data.js';
import { openListedFile, type OpenSource } from './file-source.js';
import { exactTimes, fixMeta, metaDiffers, RECREATE, type Identity } from './metadata.js';
import { createAction, verdict, type Verdict } from './plan.js';
import { failedRecord, okRecord, type Action, type CopyRecord, type EntryType } from './record.js';
import { linkTarget, writeNode, writeSymlink } from './special.js';
import { fsPath, type FsPath } from './fs-path.js';
import type { BatchDirs } from './dir-ref.js';
import { removeQuietly, renameOver, tempPath } from './temp.js';
import { statType } from './walk.js';
import { quickLstat } from './quick-stat.js';

export interface CopyTaskOptions {
  /** Absolute SRC and DST roots. */
  src: string;
  dst: string;
  dryRun: boolean;
  checksum: boolean;
  force: boolean;
  verify: boolean;
  /** The coordinator's umask (inherited by workers): decides whether a new file needs a chmod. */
  umask?: number;
}

/** Where an entry lives: its directory relative to the roots, and what the walk learnt about that directory. */
export interface EntryDir {
  dir: string;
  /** The destination directory was just created, so nothing in it needs an lstat. */
  fresh: boolean;
  /** New files in the destination directory take its group (setgid): owner must be set explicitly. */
  sgid: boolean;
  /** The destination directory is read-only to us: opened up before the first write into it (dst-dir.ts). */
  locked?: boolean;
}

export interface EntryContext {
  o: CopyTaskOptions;
  id: Identity;
}

/**
 * How hard links are treated: `defer` (in workers) hands multiply-linked files back to the coordinator, which
 * calls again with `copy` for a group's first occurrence or `{ leader }` (the path of its copy) for later ones.
 */
export type LinkMode = 'defer' | 'copy' | { leader: () => FsPath };

/**
 * `dirs` holds the entry's source and destination directories open (dir-ref.ts): every path below names the
 * entry inside them, so a directory swapped for a symlink since the walk is never followed. `as` is the
 * destination's name when it is not the source's (a single file copied to a new name, single-file.ts).
 */
export function processEntry(
  c: EntryContext, d: EntryDir, dirs: BatchDirs, name: string, dtype: EntryType, link: LinkMode = 'defer', signal?: AbortSignal, as = name,
): CopyRecord | Promise<CopyRecord> {
  const rel = d.dir ? `${d.dir}/${name}` : name;
  let opened: ReturnType<typeof openListedFile> = null;
  try {
    // In a folder this run created, nothing can make a listed file a skip: it is opened at once (see openListedFile).
    if (dtype === 'file' && link === 'defer' && d.fresh && !c.o.dryRun) opened = openListedFile(dirs.src().child(name));
  } catch (err) {
    return failed(dirs, rel, dtype, createAction(dtype), err);
  }
  if (!opened) return decide(c, d, dirs, rel, name, dtype, link, signal, as, null);
  const src = opened.src;
  const r = decide(c, d, dirs, rel, name, dtype, link, signal, as, opened);
  if (!(r instanceof Promise)) {
    closeSync(src.fd);
    return r;
  }
  return r.finally(() => closeSync(src.fd));
}

/** processEntry once the source is known: `opened` when its file is open already (closed by the caller). */
function decide(
  c: EntryContext, d: EntryDir, dirs: BatchDirs, rel: string, name: string, dtype: EntryType, link: LinkMode, signal: AbortSignal | undefined,
  as: string, opened: { src: OpenSource; s: Stats } | null,
): CopyRecord | Promise<CopyRecord> {
  let type = dtype;
  let action: Action = createAction(dtype);
  try {
    // Both folders are held from here (a folder swapped for a symlink since the walk fails the entry), but their
    // entries are named only past the quick check: most of a re-run is skipped by it.
    const srcDir = dirs.src();
    if (!opened && dtype === 'file' && link === 'defer' && !d.fresh && quickSkip(c, d, dirs, rel, as)) return okRecord(rel, 'file', 'skip');
    const s = opened ? opened.s : sourceStat(c, dirs, rel, name, dtype, link);
    type = statType(s);
    action = createAction(type);
    if (type === 'dir') throw Object.assign(new Error('became a directory during the walk'), { code: 'ENOENT' });
    if (type === 'file' && s.nlink > 1) {
      if (link === 'defer') return { ...okRecord(rel, type, action), linkKey: `${s.dev}:${s.ino}` };
      if (link !== 'copy') return hardLink(c, d, dirs, rel, name, link.leader);
    }
    // A new destination directory (which a dry run did not create) is not opened just to learn it is empty.
    const dst = d.fresh && c.o.dryRun ? null : dirs.here();
    const existing = d.fresh ? undefined : dstStat(c, d, dirs, as);
    let v = verdict(s, existing, c.id, c.o);
    if (v === 'skip') return okRecord(rel, type, 'skip');
    // Every name below is used at once, synchronously (here()), but a large file's, copied asynchronously (anchored).
    const srcPath = srcDir.child(name);
    const dstPath = dst ? dst.child(as) : '';
    const compared = v === 'compare';
    if (compared) v = compare(srcPath, dstPath, s, existing!, c.id);
    if (v === 'skip') return okRecord(rel, type, 'skip');
    const changes = entryChanges(s, existing, c.id, compared && v === 'create');
    // An entry whose metadata cannot be fixed without following its name is written again (fixMeta).
    if (v === 'meta' && (c.o.dryRun || fixMeta(dstPath, s, existing!, c.id, exactTimes(srcPath, s)) !== RECREATE)) return okRecord(rel, type, 'meta', 0, changes);
    if (c.o.dryRun) return okRecord(rel, type, action, type === 'file' ? s.size : 0, changes);
    const w = { id: c.id, dirSetgid: d.sgid, verify: c.o.verify, umask: c.o.umask, signal };
    if (type === 'file') {
      if (s.size >= LARGE && !isSparse(s)) {
        const at = dirs.writable();
        return writeFileAsync(srcPath, at.child(as), at.child(tempName(as)), s, w, opened?.src).then(
          (bytes) => okRecord(rel, 'file', 'copy', bytes, changes),
          (err: unknown) => failed(dirs, rel, 'file', 'copy', err),
        );
      }
      const tmp = dirs.here(true).child(tempName(as));
      return okRecord(rel, type, action, writeFileSync(srcPath, dstPath, tmp, s, w, opened?.src), changes);
    }
    const t = exactTimes(srcPath, s);
    if (type === 'symlink') writeSymlink(linkTarget(srcPath), dstPath, dirs.here(true).child(tempName(as)), s, c.id, d.sgid, t);
    else writeNode(dirs.writable(), tempName(as), as, s, c.id, d.sgid, t);
    return okRecord(rel, type, action, 0, changes);
  } catch (err) {
    return failed(dirs, rel, type, action, err);
  }
}

/**
 * The destination's lstat. By the cheapest name (a re-run is mostly these lstats): it only decides whether to write,
 * and every write goes through the anchor or the cwd entered through it. In the caller's process or a thread, the
 * path from DST's root (a lookup through /proc/<pid>/fd costs several microseconds more); in a process of its own,
 * `./name` from the cwd (DirRef.fromCwd).
 */
function dstStat(c: EntryContext, d: EntryDir, dirs: BatchDirs, as: string): Stats | undefined {
  return lstatSync(dstStatPath(c, d, dirs, as), { throwIfNoEntry: false });
}

/** `plainNames`: the caller checked that no name on the way holds escaped bytes (quickSkip). */
function dstStatPath(c: EntryContext, d: EntryDir, dirs: BatchDirs, as: string, plainNames = false): FsPath {
  if (dirs.cwdNames) return dirs.here().child(as);
  const path = `${c.o.dst}/${d.dir ? `${d.dir}/${as}` : as}`;
  return plainNames ? path : fsPath(path);
}

/**
 * rsync's quick check on lstat numbers alone (quick-stat.ts), each taken by the name sourceStat and dstStat use:
 * true when the source is a regular file of one link and its copy is up to date. Any other answer, or an error,
 * goes the full way, which looks again through fs.lstatSync (two more lstats for a file about to be written), so
 * what a hard link, a vanished source or a swapped folder comes to is decided there, as before.
 */
function quickSkip(c: EntryContext, d: EntryDir, dirs: BatchDirs, rel: string, as: string): boolean {
  // A path with escaped bytes (fs-path.ts) goes the full way. Only its names can hold them (the roots come from
  // strings): checked on them, not on each whole path.
  if (!plain(rel) || !plain(as)) return false;
  try {
    const s = quickLstat(`${c.o.src}/${rel}`);
    if (!s || !s.isFile() || s.nlink > 1) return false;
    dirs.here(); // the destination folder is held before its entry is looked at, as on the full way
    const dstPath = dstStatPath(c, d, dirs, as, true);
    return typeof dstPath === 'string' && verdict(s, quickLstat(dstPath), c.id, c.o) === 'skip';
  } catch {
    return false;
  }
}

/** No code unit in the escapes' range U+DC80-U+DCFF (a name of such pairs merely goes the full way). */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc80 && u <= 0xdcff) return false;
  }
  return true;
}

/** A temp name for `name` (temp.ts), to be created inside the anchored destination directory. */
function tempName(name: string): string {
  return basename(tempPath('.', name) as string); // never a Buffer: a name with escaped bytes is left out of it
}

/**
 * The source's lstat. A regular file's is taken by path (the cheaper lookup, see above): it is only the identity
 * its data must match, as the file is opened through the anchor and checked with fstat (copy-file.ts), so a
 * directory swapped since makes the copy fail, never read another file. Anything else is recreated from this
 * stat alone (a symlink's text, a device's numbers), so it is taken through the anchor; so are the coordinator's
 * hard links, which are linked, not read.
 */
function sourceStat(c: EntryContext, dirs: BatchDirs, rel: string, name: string, dtype: EntryType, link: LinkMode): Stats {
  if (dtype === 'file' && link === 'defer') {
    const s = lstatSync(fsPath(`${c.o.src}/${rel}`));
    if (s.isFile()) return s;
  }
  return lstatSync(dirs.src().child(name));
}

/** --checksum for files, link text for symlinks: equal data leaves only metadata to fix. */
function compare(srcPath: FsPath, dstPath: FsPath, s: Stats, existing: Stats, id: Identity): Verdict {
  const same = s.isSymbolicLink() ? linkTarget(srcPath).equals(linkTarget(dstPath)) : sameContents(srcPath, dstPath);
  if (!same) return 'create';
  return metaDiffers(s, existing, id) ? 'meta' : 'skip';
}

/** A later occurrence of a hard-link group: linked (atomically, via a temp name) to the group's copy. */
function hardLink(c: EntryContext, d: EntryDir, dirs: BatchDirs, rel: string, name: string, leader: () => FsPath): CopyRecord {
  const existing = d.fresh ? undefined : lstatSync(dirs.dst().child(name), { throwIfNoEntry: false });
  if (existing) {
    const target = lstatSync(leader(), { throwIfNoEntry: false });
    if (target && target.ino === existing.ino && target.dev === existing.dev) return okRecord(rel, 'file', 'skip');
  }
  if (c.o.dryRun) return okRecord(rel, 'file', 'link');
  const dstPath = dirs.dst().child(name);
  const tmp = dirs.writable().child(tempName(name));
  try {
    linkSync(leader(), tmp);
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  return okRecord(rel, 'file', 'link');
}

function failed(dirs: BatchDirs, rel: string, type: EntryType, action: Action, err: unknown): CopyRecord {
  const e = entryError(err, rel);
  return failedRecord(rel, type, action, { ...e, message: dirs.describe(e.message) });
}
