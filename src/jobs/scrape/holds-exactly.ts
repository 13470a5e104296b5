/**
 * Whether a name in a --save folder already holds exactly a body's bytes: a URL saved again (a --resume after a
 * run killed between saving a body and writing its record, or a second run into the same folder) then points at
 * that file instead of adding a "~2" copy of it. The name is first opened with O_PATH|O_NOFOLLOW, which opens
 * nothing: a symlink is looked at as itself, and a FIFO's waiting writer or a device's driver never sees an open.
 * Only a regular file of the body's size is then opened for reading, through that descriptor (the same inode,
 * whatever the name holds by then), without blocking on a lease.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { openPath, self } from '../../util/dir-anchor.js';

const READ = constants.O_RDONLY | constants.O_NONBLOCK;
const CHUNK = 64 * 1024;

/** What a name holds: nothing, exactly the body's bytes, or anything else (any error but a missing name too). */
export type Holding = 'nothing' | 'same' | 'other';

/** `path` names the entry through its folder's anchor (util/dir-anchor.ts `at`). */
export function holding(path: string, body: Uint8Array): Holding {
  let entry: number;
  try {
    entry = openPath(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'nothing' : 'other';
  }
  if (entry < 0) return 'other'; // no O_PATH: nothing is opened that might not be a regular file
  try {
    const s = fstatSync(entry);
    return s.isFile() && s.size === body.byteLength && sameBytes(self(entry), body) ? 'same' : 'other';
  } catch {
    return 'other';
  } finally {
    closeSync(entry);
  }
}


/** Whether the regular file at `path` holds `body` and nothing more; throws what open or read throws. */
function sameBytes(path: string, body: Uint8Array): boolean {
  const fd = openSync(path, READ);
  try {
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
  } finally {
    closeSync(fd);
  }
}
