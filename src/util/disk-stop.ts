/**
 * A disk that can take no more writes: full (ENOSPC, EDQUOT) or read-only (EROFS). Nothing written after such an
 * error can succeed, so every job stops its run with one of these two codes instead of failing item after item.
 */
const DISK_STOP = { ENOSPC: 'NO_SPACE', EDQUOT: 'NO_SPACE', EROFS: 'READ_ONLY' } as const;

export type DiskStopCode = (typeof DISK_STOP)[keyof typeof DISK_STOP];

const DISK_STOP_CODES: ReadonlySet<string> = new Set(Object.values(DISK_STOP));

/** The run-stopping code of a file system error, or null for an error that concerns one file. */
export function diskStopCode(err: unknown): DiskStopCode | null {
  const errno = (err as { code?: unknown } | null)?.code;
  return typeof errno === 'string' && Object.hasOwn(DISK_STOP, errno) ? DISK_STOP[errno as keyof typeof DISK_STOP] : null;
}

/** Whether a fanout error code is one of the run-stopping codes above. */
export function isDiskStopCode(code: string | undefined): code is DiskStopCode {
  return code !== undefined && DISK_STOP_CODES.has(code);
}
