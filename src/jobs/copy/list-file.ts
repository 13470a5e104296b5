/**
 * Reads a file of lines the user gave (--files-from, --exclude-from, --include-from) without ever holding the
 * process (util/text-file.ts: a pipe is read on the event loop, the run's signal ends the wait, a device or a folder
 * is refused); a failure is the copy error `code`.
 */
import { ReadCancelled, readTextFile } from '../../util/text-file.js';
import { copyFailure, type CopyErrorCode } from './errors.js';

/** Thrown when the run's signal came while a list was read: nothing was started. */
export { ReadCancelled as ListReadCancelled };

export async function readListFile(file: string, code: CopyErrorCode, what: string, signal?: AbortSignal): Promise<string> {
  try {
    return await readTextFile(file, signal);
  } catch (err) {
    if (err instanceof ReadCancelled) throw err;
    throw copyFailure(code, `cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}
