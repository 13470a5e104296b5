/**
 * Reads a file of lines the user gave (--files-from, --exclude-from, --include-from) without ever holding the
 * process. Such a file may be a pipe (`--files-from <(find …)`) whose writer has not come, or never comes: a
 * plain open of it blocks (on the event loop when synchronous, or in a thread-pool thread that then keeps the
 * process from exiting). So it is opened non-blocking; a pipe is read as the event loop reads stdin, and the
 * run's signal ends the wait. A device (/dev/zero has no end) is refused, as is a folder.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { copyFailure, type CopyErrorCode } from './errors.js';

/** Thrown when the run's signal came while a list was read: nothing was started. */
export class ListReadCancelled extends Error {}

export async function readListFile(file: string, code: CopyErrorCode, what: string, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new ListReadCancelled(`interrupted before ${file} was read`);
  const fail = (err: unknown) => copyFailure(code, `cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fail(err);
  }
  const s = fstatSync(fd);
  if (s.isFIFO() || s.isSocket()) return readPipe(fd, file, signal).catch((err: unknown) => {
    throw err instanceof ListReadCancelled ? err : fail(err);
  });
  try {
    if (!s.isFile()) throw Object.assign(new Error(s.isDirectory() ? 'is a directory' : 'not a file or a pipe'), { code: 'EINVAL' });
    return readFileSync(fd, 'utf8'); // a regular file never blocks
  } catch (err) {
    throw fail(err);
  } finally {
    closeSync(fd);
  }
}

/** A pipe's text up to its writer's end, waiting on the event loop; the signal stops the wait. */
function readPipe(fd: number, file: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const pipe = new Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    const onAbort = () => {
      pipe.destroy();
      reject(new ListReadCancelled(`interrupted while waiting for ${file}`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    pipe.on('data', (c: Buffer) => chunks.push(c));
    pipe.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    pipe.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      pipe.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
