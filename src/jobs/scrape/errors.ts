/** The scrape job's stable error codes (docs/errors.md): those a record carries, and those that stop a run. */

/** Codes of a failed record. */
export const SCRAPE_RECORD_CODES = [
  'INVALID_URL', // the line is not an absolute http(s) URL
  'DNS', // the host name does not resolve
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'TIMEOUT', // connect, idle or whole-attempt timeout; or (threads/procs) still running 10 s past --timeout
  'TOO_MANY_REDIRECTS', // more than --max-redirects, or a redirect loop
  'BODY_TOO_LARGE', // more than --max-bytes after decompression
  'HTTP_STATUS', // a non-2xx final answer
  'ROBOTS_DISALLOWED', // --respect-robots and robots.txt disallows the URL
  'DECODE', // the body could not be decompressed
  'PAGE_TOO_DEEP', // the HTML nests more than 512 elements inside one another: not parsed
  'SAVE_FAILED', // --save could not write the body
  'TLS', // certificate or handshake failure
  'NETWORK', // any other transport error
  'WORKER_CRASHED', // the worker died under this item every time it was tried
  'RETRIES_EXHAUSTED', // the URL asked to be retried more often than the engine allows (maxRetries)
  'TASK_FAILED', // the task failed without a record of its own: a bug in fanout
] as const;

/** Codes of an error that stops the run (one line, exit 2); the output is a clean prefix of records. */
export const SCRAPE_STOP_CODES = [
  'INPUT_UNREADABLE', // the URL list cannot be read, is not text, or a CSV lacks its header or --column
  'OUTPUT_UNWRITABLE', // -o FILE cannot be created
  'OUTPUT_FAILED', // writing the records failed mid-run (an I/O error)
  'NO_SPACE', // the disk of -o or --save is full (ENOSPC, EDQUOT)
  'READ_ONLY', // the disk of -o or --save is read-only (EROFS)
  'RESUME_MISMATCH', // --resume: the file is not this run's output (another input, other columns)
  'BAD_SELECTOR', // --select/--select-all/--attr CSS that cannot be parsed
  'COOKIE_JAR_FAILED', // --cookie-jar FILE could not be written at the end of the run (the records were)
] as const;

export const SCRAPE_CODES = [...SCRAPE_RECORD_CODES, ...SCRAPE_STOP_CODES] as const;

export type ScrapeRecordCode = (typeof SCRAPE_RECORD_CODES)[number];
export type ScrapeErrorCode = (typeof SCRAPE_CODES)[number];

const RECORD_CODES = new Set<string>(SCRAPE_RECORD_CODES);

/**
 * The record code of a failure the task could not turn into a record itself (its worker kept dying, it threw):
 * a code no record can carry is TASK_FAILED, and its own code stays in the message.
 */
export function recordError(error: { code: string; message: string }): { code: ScrapeRecordCode; message: string } {
  if (RECORD_CODES.has(error.code)) return { code: error.code as ScrapeRecordCode, message: error.message };
  return { code: 'TASK_FAILED', message: `${error.code}: ${error.message}` };
}
