/**
 * Reads a whole file the user names (a list, a pattern file, a cookie file) without ever holding the process. Such
 * a file may be a pipe (`--files-from <(find …)`, `-b <(…)`) whose writer has not come, or never comes: a plain
 * open of it blocks (on the event loop when synchronous, or in a thread-pool thread that then keeps the process
 * from exiting). So it is opened non-blocking; a pipe is read as the event loop reads stdin, and the run's signal
 * ends the wait. A device (/dev/zero has no end) is refused, as is a folder (EINVAL).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';

/** Thrown when the run's signal came while the file was read: nothing was started. */
export class ReadCancelled extends Error {}

/** The file's text; its system error (ENOENT, EACCES, EINVAL for a device or folder) as thrown by node:fs. */
export async function readTextFile(file: string, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new ReadCancelled(`interrupted before ${file} was read`);
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const s = fstatSync(fd);
  if (s.isFIFO() || s.isSocket()) return readPipe(fd, file, signal);
  try {
    if (!s.isFile()) throw Object.assign(new Error(s.isDirectory() ? 'is a directory' : 'not a file or a pipe'), { code: 'EINVAL' });
    return readFileSync(fd, 'utf8'); // a regular file never blocks
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
      reject(new ReadCancelled(`interrupted while waiting for ${file}`));
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
