/**
 * Whether a name in a --save folder already holds exactly a body's bytes: a URL saved again (a --resume after a
 * run killed between saving a body and writing its record, or a second run into the same folder) then points at
 * that file instead of adding a "~2" copy of it. Only a regular file is read, opened without following a symlink
 * and without blocking on a FIFO, and only when its size is the body's.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CHUNK = 64 * 1024;

/** `path` names the file through its folder's anchor (util/dir-anchor.ts `at`). Any error is a "no". */
export function holdsExactly(path: string, body: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, READ);
  } catch {
    return false;
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile() || s.size !== body.byteLength) return false;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, body.byteLength)));
    const want = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    let at = 0;
    while (at < want.length) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, want.length - at), at);
      if (n === 0 || !buf.subarray(0, n).equals(want.subarray(at, at + n))) return false;
      at += n;
    }
    // Grown since the fstat: not the same bytes.
    return readSync(fd, buf, 0, 1, at) === 0;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
