/**
 * Refusals, checked before anything is written: SRC == DST, DST inside SRC and SRC inside DST, compared by
 * (dev, inode) so that symlinks, bind mounts and `..` tricks cannot hide them (xcp #36 truncated files this way).
 */
import { realpathSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { copyFailure } from './errors.js';

export interface CheckedRoots {
  src: string;
  dst: string;
  srcStat: BigIntStats;
  /** null when DST does not exist yet. */
  dstStat: BigIntStats | null;
}

export function checkRoots(srcArg: string, dstArg: string): CheckedRoots {
  // resolve('') is the working directory: an unset shell variable must not copy from or into it (cp and rsync
  // refuse an empty name too).
  if (srcArg === '') throw copyFailure('SRC_NOT_A_DIRECTORY', 'SRC is an empty path');
  if (dstArg === '') throw copyFailure('DST_NOT_A_DIRECTORY', 'DST is an empty path');
  const src = resolve(srcArg);
  const dst = resolve(dstArg);
  const srcStat = statOrNull(src);
  if (!srcStat || !srcStat.isDirectory()) {
    throw copyFailure('SRC_NOT_A_DIRECTORY', `${srcArg} is ${srcStat ? 'not a directory' : 'missing'}`);
  }
  const dstStat = statOrNull(dst);
  if (dstStat && !dstStat.isDirectory()) throw copyFailure('DST_NOT_A_DIRECTORY', `${dstArg} exists and is not a directory`);
  if (dstStat && same(srcStat, dstStat)) throw copyFailure('REFUSED_SAME', `${srcArg} and ${dstArg} are the same directory`);
  for (const a of ancestors(dst)) {
    if (same(a, srcStat)) {
      throw copyFailure('REFUSED_DST_INSIDE_SRC', `${dstArg} is inside ${srcArg}: the copy would copy itself`);
    }
  }
  if (dstStat) {
    for (const a of ancestors(src)) {
      if (same(a, dstStat)) throw copyFailure('REFUSED_SRC_INSIDE_DST', `${srcArg} is inside ${dstArg}: the copy would overwrite its source`);
    }
  }
  return { src, dst, srcStat, dstStat };
}

/** Stats of every existing ancestor of `p` (itself included), along both its lexical and its real path. */
export function ancestors(p: string): BigIntStats[] {
  const out: BigIntStats[] = [];
  let deepest: string | null = null;
  for (let cur = p; ; cur = dirname(cur)) {
    const s = statOrNull(cur);
    if (s) {
      out.push(s);
      deepest ??= cur;
    }
    if (cur === dirname(cur)) break;
  }
  // `a/link/..` resolves lexically to `a` but in the kernel to the link target's parent: walk the real path too.
  if (deepest) {
    try {
      for (let cur = realpathSync(deepest); ; cur = dirname(cur)) {
        const s = statOrNull(cur);
        if (s) out.push(s);
        if (cur === dirname(cur)) break;
      }
    } catch {
      // the lexical walk above already covers what exists
    }
  }
  return out;
}

export function same(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function statOrNull(p: string): BigIntStats | null {
  try {
    return statSync(p, { bigint: true }); // inode numbers may exceed 2^53
  } catch {
    return null;
  }
}
