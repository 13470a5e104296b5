/** The copy record: one per entry, in walk order, written as JSON Lines to --log. */
import { changeList, impliedChanges, type Change } from './changes.js';
import type { CopyRecordError } from './errors.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'block' | 'char';

/**
 * What was (or, with --dry-run, would be) done. `meta` fixes mode/owner/times of an entry whose data is current;
 * `delete` removes from DST an entry SRC does not have (--delete, after the copy).
 */
export type Action = 'mkdir' | 'copy' | 'link' | 'symlink' | 'mkfifo' | 'mknod' | 'meta' | 'skip' | 'delete';

export interface CopyRecord {
  /** Path relative to SRC, '/'-separated; '.' is SRC itself. */
  path: string;
  type: EntryType;
  action: Action;
  ok: boolean;
  /** Data bytes written (0 for skips, links and metadata-only actions). */
  bytes: number;
  error?: CopyRecordError;
  /**
   * What differed (changes.ts): `['new']` for a created entry, else what a write or fix changed (`[]`: rewritten
   * though nothing differed, as --force does). Only on ok records that act (not `skip`, not `delete`).
   */
  changes?: readonly Change[];
  /** Set by a worker on a regular file with nlink > 1: the coordinator groups hard links, in walk order. */
  linkKey?: string;
}

/** `changes`: bits (changes.ts), by default what the action implies (a created entry is new). */
export function okRecord(path: string, type: EntryType, action: Action, bytes = 0, changes = impliedChanges(action)): CopyRecord {
  const r: CopyRecord = { path, type, action, ok: true, bytes };
  if (changes !== undefined && action !== 'skip' && action !== 'delete') r.changes = changeList(changes);
  return r;
}

export function failedRecord(path: string, type: EntryType, action: Action, error: CopyRecordError): CopyRecord {
  return { path, type, action, ok: false, bytes: 0, error };
}
