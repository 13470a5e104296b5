/**
 * The destination side of a directory, prepared on the coordinator during the walk so that a directory
 * exists before any of its children is dispatched. A symlink or file standing where SRC has a directory is
 * replaced, never written through.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync, type Stats } from 'node:fs';
import { metaDiffers, type Identity } from './metadata.js';
import type { Action } from './record.js';
import { sweepTemps } from './temp.js';

const SETGID = 0o2000;

export interface PreparedDir {
  action: Action;
  /** Created just now: its children need no destination lstat. */
  fresh: boolean;
  sgid: boolean;
}

/**
 * Makes `dstDir` a real directory. New directories start as 0700 (their final mode comes bottom-up, once their
 * contents are written); an existing one keeps its mode, minus leftover temps of a killed run.
 */
export function prepareDir(dstDir: string, s: Stats, parentSgid: boolean, id: Identity, dryRun: boolean): PreparedDir {
  const d = lstatSync(dstDir, { throwIfNoEntry: false });
  if (d?.isDirectory()) {
    if (!dryRun) {
      sweepTemps(dstDir);
      // Not root: a read-only directory of an earlier run must become writable until its mode is set again.
      if (!id.root && (d.mode & 0o300) !== 0o300) chmodSync(dstDir, (d.mode & 0o7777) | 0o300);
    }
    return { action: metaDiffers(s, d, id) ? 'meta' : 'skip', fresh: false, sgid: (d.mode & SETGID) !== 0 };
  }
  if (!dryRun) {
    if (d) unlinkSync(dstDir); // a symlink or file in the way: removed (the link itself, not its target)
    mkdirSync(dstDir, 0o700);
  }
  // mkdir(2) on Linux gives a new directory its parent's setgid bit.
  return { action: 'mkdir', fresh: true, sgid: parentSgid };
}
