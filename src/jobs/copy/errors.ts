/**
 * The copy job's error catalogue: every code a copy record or a copy refusal can carry, how an fs error maps onto
 * them, and which of them stop the whole run (fatal: nothing else can succeed, so scheduling stops at once).
 */
import { FanoutError, type SerializedError } from '../../engine/errors.js';
import { unanchor } from '../../util/dir-anchor.js';
import { diskStopCode, isDiskStopCode } from '../../util/disk-stop.js';

export const COPY_CODES = [
  'REFUSED_SAME', // SRC and DST are the same directory (same dev+inode, through any path)
  'REFUSED_DST_INSIDE_SRC', // DST or one of its ancestors is SRC
  'REFUSED_SRC_INSIDE_DST', // SRC or one of its ancestors is DST
  'REFUSED_LOG_INSIDE_SRC', // --log FILE is inside SRC: writing it would change the tree being copied
  'REFUSED_LOG_INSIDE_DST', // --log FILE is inside DST: the copy could replace it
  'REFUSED_DELETE_EMPTY_SRC', // --delete with an empty or unreadable SRC and a non-empty DST, without --force
  'PATTERN_FILE_UNREADABLE', // --exclude-from/--include-from FILE cannot be read
  'FILES_FROM_UNREADABLE', // --files-from FILE cannot be read
  'FILES_FROM_OUTSIDE_SRC', // a --files-from line whose `..` lead out of SRC
  'LISTED_MISSING', // a path --files-from lists is not in SRC (or only beyond a symlink, which is not followed)
  'SRC_NOT_A_DIRECTORY', // SRC is missing, empty ('') or not a directory
  'DST_NOT_A_DIRECTORY', // DST exists and is not a directory, or is empty ('')
  'NO_SPACE', // ENOSPC or EDQUOT: fatal, the run stops
  'READ_ONLY', // EROFS: fatal, the run stops
  'PERMISSION', // EACCES or EPERM on this entry
  'VANISHED', // the source entry disappeared between the walk and its copy
  'CHANGED_DURING_COPY', // the source changed while it was copied (size, mtime, inode), or a directory on its path became a symlink
  'VERIFY_FAILED', // --verify read back different bytes
  'MOUNT_POINT', // --delete met a mount point inside DST: never entered, nothing in it deleted
  'TYPE_CONFLICT', // DST holds a non-empty directory where SRC has a non-directory
  'UNSUPPORTED_TYPE', // a socket or device that cannot be recreated here (not root, or no mknod)
  'IO_ERROR', // any other fs error (its errno is in the message)
  'LOG_FAILED', // --log FILE could not be opened or written: the run stops
  'WORKER_CRASHED', // the worker died under this entry every time it was tried
  'CANCELLED',
] as const;

export type CopyErrorCode = (typeof COPY_CODES)[number];

/** A copy error: a FanoutError whose code is in the catalogue. */
export type CopyError = FanoutError & { readonly code: CopyErrorCode };

/** A copy record's error, as it crosses thread and process boundaries and is written to the log. */
export type CopyRecordError = SerializedError & { code: CopyErrorCode };

/** A copy error; an anchored path in `message` (util/dir-anchor.ts) is named as the user knows it. */
export function copyFailure(code: CopyErrorCode, message: string, options?: { cause?: unknown }): CopyError {
  return new FanoutError(code, unanchor(message), options) as CopyError;
}

const PER_FILE: Readonly<Record<string, CopyErrorCode>> = { EACCES: 'PERMISSION', EPERM: 'PERMISSION', ENOENT: 'VANISHED' };

const KNOWN: ReadonlySet<string> = new Set(COPY_CODES);

/** Whether a copy code (NO_SPACE, READ_ONLY) stops the run. */
export function isFatalCode(code: string): boolean {
  return isDiskStopCode(code);
}

/** Whether an fs error's errno (ENOSPC, EDQUOT, EROFS) stops the run. */
export function isFatalErrno(errno: string | undefined): boolean {
  return diskStopCode({ code: errno }) !== null;
}

/** The fatal error a record or a failed batch carries, if it carries one. */
export function fatalOf(error: SerializedError | undefined): CopyError | null {
  return error && isFatalCode(error.code) ? copyFailure(error.code as CopyErrorCode, error.message) : null;
}

/** A copy error with a stable code, from whatever an fs call threw; a fatal one stops the run (isFatalCode). */
export function copyError(err: unknown, path: string): CopyError {
  if (err instanceof FanoutError) return err as CopyError;
  const errno = (err as { code?: string })?.code ?? '';
  const code = diskStopCode(err) ?? PER_FILE[errno] ?? 'IO_ERROR';
  const why = (err as { message?: string })?.message ?? String(err);
  // fs messages already name the syscall and path; keep the entry's own path first for grep-ability.
  return copyFailure(code, `${path}: ${why}`, { cause: err });
}

/** A copy error as a record carries it. */
export function serialized(e: CopyError): CopyRecordError {
  return { name: e.name, code: e.code, message: e.message };
}

/** What went wrong with one entry, as its record carries it. */
export function entryError(err: unknown, path: string): CopyRecordError {
  return serialized(copyError(err, path));
}

/**
 * A batch's error as its entries' records carry it. The engine fails a batch with WORKER_CRASHED or CANCELLED;
 * any other code it can give (TASK_FAILED: an exception the task did not turn into records) is fanout's own
 * fault, recorded as IO_ERROR with that code in the message.
 */
export function recordError(e: SerializedError): CopyRecordError {
  return KNOWN.has(e.code) ? (e as CopyRecordError) : { ...e, code: 'IO_ERROR', message: `${e.code}: ${e.message}` };
}

/** The error copy() throws after a fatal stop: what happened, and how far the run got. */
export function stoppedBy(err: CopyError, entries: number): CopyError {
  const what = err.code === 'NO_SPACE' ? 'no space left on the destination' : 'the destination is read-only';
  return copyFailure(err.code, `${what} (${err.message}); stopped after ${entries} entries, temp files removed`, { cause: err });
}
