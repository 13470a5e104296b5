/**
 * One non-directory entry, end to end: lstat the source (and the destination unless its directory is new),
 * decide (plan.ts), act, and return its record. Never throws: an error becomes the entry's failed record.
 */
import { linkSync, lstatSync, type Stats } from 'node:fs';
import { serializeError } from '../../engine/errors.js';
import { copyError } from './errors.js';
import { LARGE, isSparse, removeQuietly, renameOver, sameContents, writeFileAsync, writeFileSync } from './copy-file.js';
import { fixMeta, metaDiffers, type Identity } from './metadata.js';
import { createAction, verdict, type Verdict } from './plan.js';
import { failedRecord, okRecord, type Action, type CopyRecord, type EntryType } from './record.js';
import { linkTarget, writeNode, writeSymlink } from './special.js';
import { fsPath, type FsPath } from './fs-path.js';
import { tempPath } from './temp.js';
import { statType } from './walk.js';

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
}

export interface EntryContext {
  o: CopyTaskOptions;
  id: Identity;
}

/**
 * How hard links are treated: `defer` (in workers) hands multiply-linked files back to the coordinator, which
 * calls again with `copy` for a group's first occurrence or `{ leader }` for later ones.
 */
export type LinkMode = 'defer' | 'copy' | { leader: string };

export function processEntry(c: EntryContext, d: EntryDir, name: string, dtype: EntryType, link: LinkMode = 'defer'): CopyRecord | Promise<CopyRecord> {
  const rel = d.dir ? `${d.dir}/${name}` : name;
  const srcPath = fsPath(`${c.o.src}/${rel}`);
  const dstDir = d.dir ? `${c.o.dst}/${d.dir}` : c.o.dst;
  const dstPath = fsPath(`${dstDir}/${name}`);
  let type = dtype;
  let action: Action = createAction(dtype);
  try {
    const s = lstatSync(srcPath);
    type = statType(s);
    action = createAction(type);
    if (type === 'dir') throw Object.assign(new Error('became a directory during the walk'), { code: 'ENOENT' });
    if (type === 'file' && s.nlink > 1) {
      if (link === 'defer') return { ...okRecord(rel, type, action), linkKey: `${s.dev}:${s.ino}` };
      if (link !== 'copy') return hardLink(c, d, rel, dstDir, name, link.leader);
    }
    const existing = d.fresh ? undefined : lstatSync(dstPath, { throwIfNoEntry: false });
    let v = verdict(s, existing, c.id, c.o);
    if (v === 'compare') v = compare(srcPath, dstPath, s, existing!, c.id);
    if (v === 'skip') return okRecord(rel, type, 'skip');
    if (v === 'meta') {
      if (!c.o.dryRun) fixMeta(dstPath, s, existing!, c.id);
      return okRecord(rel, type, 'meta');
    }
    if (c.o.dryRun) return okRecord(rel, type, action, type === 'file' ? s.size : 0);
    const tmp = tempPath(dstDir, name);
    const w = { id: c.id, dirSetgid: d.sgid, verify: c.o.verify, umask: c.o.umask };
    if (type === 'file') {
      if (s.size >= LARGE && !isSparse(s)) {
        return writeFileAsync(srcPath, dstPath, tmp, s, w).then(
          (bytes) => okRecord(rel, 'file', 'copy', bytes),
          (err: unknown) => failed(rel, 'file', 'copy', err),
        );
      }
      return okRecord(rel, type, action, writeFileSync(srcPath, dstPath, tmp, s, w));
    }
    if (type === 'symlink') writeSymlink(linkTarget(srcPath), dstPath, tmp, s, c.id, d.sgid);
    else writeNode(dstPath, tmp, s, c.id, d.sgid);
    return okRecord(rel, type, action);
  } catch (err) {
    return failed(rel, type, action, err);
  }
}

/** --checksum for files, link text for symlinks: equal data leaves only metadata to fix. */
function compare(srcPath: FsPath, dstPath: FsPath, s: Stats, existing: Stats, id: Identity): Verdict {
  const same = s.isSymbolicLink() ? linkTarget(srcPath).equals(linkTarget(dstPath)) : sameContents(srcPath, dstPath);
  if (!same) return 'create';
  return metaDiffers(s, existing, id) ? 'meta' : 'skip';
}

/** A later occurrence of a hard-link group: linked (atomically, via a temp name) to the group's copy. */
function hardLink(c: EntryContext, d: EntryDir, rel: string, dstDir: string, name: string, leader: string): CopyRecord {
  const dstPath = fsPath(`${dstDir}/${name}`);
  const existing = d.fresh ? undefined : lstatSync(dstPath, { throwIfNoEntry: false });
  if (existing) {
    const target = lstatSync(fsPath(leader), { throwIfNoEntry: false });
    if (target && target.ino === existing.ino && target.dev === existing.dev) return okRecord(rel, 'file', 'skip');
  }
  if (c.o.dryRun) return okRecord(rel, 'file', 'link');
  const tmp = tempPath(dstDir, name);
  try {
    linkSync(fsPath(leader), tmp);
    renameOver(tmp, dstPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  return okRecord(rel, 'file', 'link');
}

function failed(rel: string, type: EntryType, action: Action, err: unknown): CopyRecord {
  return failedRecord(rel, type, action, serializeError(copyError(err, rel)));
}
