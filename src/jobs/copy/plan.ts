/**
 * What to do with one entry, decided from the source's and the destination's lstat: rsync's quick check
 * (same type, size and mtime => skip), `--checksum` (same size => compare contents), `--force` (always write).
 */
import { metaDiffers, sameDstTime, type Identity } from './metadata.js';
import type { Action, EntryType } from './record.js';
import type { StatNumbers } from './quick-stat.js';
import { statType } from './walk.js';

/** create: write it anew; meta: fix mode/owner/times only; compare: contents (or link text) decide; skip: nothing. */
export type Verdict = 'create' | 'meta' | 'compare' | 'skip';

export interface PlanOptions {
  force: boolean;
  checksum: boolean;
}

export function verdict(s: StatNumbers, d: StatNumbers | undefined, id: Identity, o: PlanOptions): Verdict {
  if (!d || o.force || statType(s) !== statType(d)) return 'create';
  if (s.isFile()) {
    if (s.size !== d.size) return 'create';
    if (o.checksum) return 'compare';
    if (!sameDstTime(s.mtimeMs, d.mtimeMs)) return 'create';
  } else if (s.isSymbolicLink()) return 'compare';
  else if ((s.isBlockDevice() || s.isCharacterDevice()) && s.rdev !== d.rdev) return 'create';
  return metaDiffers(s, d, id) ? 'meta' : 'skip';
}

/** The record action for creating an entry of this type. */
export function createAction(type: EntryType): Action {
  switch (type) {
    case 'file':
      return 'copy';
    case 'dir':
      return 'mkdir';
    case 'symlink':
      return 'symlink';
    case 'fifo':
      return 'mkfifo';
    default:
      return 'mknod';
  }
}
