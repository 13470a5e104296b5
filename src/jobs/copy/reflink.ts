/**
 * A reflink (FICLONE) of an open source into a new temp: instant and atomic on btrfs and xfs, and a failure
 * elsewhere that costs a few syscalls once per device.
 */
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { self } from '../../util/dir-anchor.js';
import { copyFailure, isFatalErrno } from './errors.js';
import { READ_FLAGS } from './file-data.js';
import type { FsPath } from './fs-path.js';
import type { Identity } from './metadata.js';
import { removeQuietly } from './temp.js';

/** Source devices where a reflink failed (ext4, tmpfs, across file systems): not tried again in this thread. */
const noReflink = new Set<number>();

/**
 * Clones `input` (the checked source) into `tmp` and returns the clone opened for its metadata, or -1 where no
 * reflink can be made. `/proc/self/fd/N` reopens exactly the checked inode.
 */
export async function reflink(input: number, tmp: FsPath, s: Stats, id: Identity): Promise<number> {
  // The clone takes the source's mode: without root, it must stay readable by us to be opened for its metadata.
  if (noReflink.has(s.dev) || (!id.root && (s.mode & 0o400) === 0)) return -1;
  try {
    await copyFile(self(input), tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (isFatalErrno(code) || code === 'EACCES' || code === 'EPERM') throw err;
    noReflink.add(s.dev);
    removeQuietly(tmp); // libuv removes it on failure; an EEXIST must not leave ours behind either
    return -1;
  }
  return openClone(tmp, s);
}

/**
 * The temp a reflink just made, opened for its metadata: never through a symlink, and only the file just cloned
 * (a regular file of the source's size with no other link), or the copy fails.
 */
function openClone(tmp: FsPath, s: Stats): number {
  const fd = openSync(tmp, READ_FLAGS);
  const now = fstatSync(fd);
  if (now.isFile() && now.nlink === 1 && now.size === s.size) return fd;
  closeSync(fd);
  throw copyFailure('CHANGED_DURING_COPY', `${String(tmp)}: the temp file was replaced during the copy`);
}
