/** The copy job's stable error codes, and how an fs error maps onto them. */
import { FanoutError } from '../../engine/errors.js';

export const COPY_ERROR_CODES = [
  'REFUSED_SAME', // SRC and DST are the same directory (same dev+inode, through any path)
  'REFUSED_DST_INSIDE_SRC', // DST or one of its ancestors is SRC
  'REFUSED_SRC_INSIDE_DST', // SRC or one of its ancestors is DST
  'SRC_NOT_A_DIRECTORY', // SRC is missing, empty ('') or not a directory
  'DST_NOT_A_DIRECTORY', // DST exists and is not a directory, or is empty ('')
  'NO_SPACE', // ENOSPC or EDQUOT: fatal, the run stops
  'READ_ONLY', // EROFS: fatal, the run stops
  'PERMISSION', // EACCES or EPERM on this entry
  'VANISHED', // the source entry disappeared between the walk and its copy
  'CHANGED_DURING_COPY', // the source changed while it was copied (size, mtime, inode), or a directory on its path became a symlink
  'VERIFY_FAILED', // --verify read back different bytes
  'TYPE_CONFLICT', // DST holds a non-empty directory where SRC has a non-directory
  'UNSUPPORTED_TYPE', // a socket or device that cannot be recreated here (not root, or no mknod)
  'IO_ERROR', // any other fs error (its errno is in the message)
  'LOG_FAILED', // --log FILE could not be opened or written: the run stops
  'WORKER_CRASHED', // the worker died under this entry every time it was tried
  'CANCELLED',
] as const;

export type CopyErrorCode = (typeof COPY_ERROR_CODES)[number];

/** Errors after which nothing else can succeed: the run stops scheduling at once. */
const FATAL: Record<string, CopyErrorCode> = { ENOSPC: 'NO_SPACE', EDQUOT: 'NO_SPACE', EROFS: 'READ_ONLY' };

const PER_FILE: Record<string, CopyErrorCode> = { EACCES: 'PERMISSION', EPERM: 'PERMISSION', ENOENT: 'VANISHED' };

export function isFatalCode(code: string): boolean {
  return code === 'NO_SPACE' || code === 'READ_ONLY';
}

/** A copy error with a stable code; `fatal` ones stop the run. */
export function copyError(err: unknown, path: string): FanoutError {
  if (err instanceof FanoutError) return err;
  const errno = (err as { code?: string })?.code ?? '';
  const code = FATAL[errno] ?? PER_FILE[errno] ?? 'IO_ERROR';
  const why = (err as { message?: string })?.message ?? String(err);
  // fs messages already name the syscall and path; keep the entry's own path first for grep-ability.
  return new FanoutError(code, `${path}: ${why}`, { cause: err });
}
