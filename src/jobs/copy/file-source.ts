/**
 * The source of a file copy: opened once (never through a symlink, never blocking on a FIFO) and checked with fstat
 * to be the walk's inode; every byte is read through that descriptor, so nothing swapped in at its name since is
 * read. Also what kind of file system it lives on (pseudo file systems report made-up sizes).
 */
import { closeSync, fstatSync, openSync, statfsSync, type Stats } from 'node:fs';
import { statsOf } from './fd-stats.js';
import { self } from '../../util/dir-anchor.js';
import { copyFailure } from './errors.js';
import { changed, READ_FLAGS } from './file-data.js';
import type { FsPath } from './fs-path.js';
import { sameTime } from './metadata.js';
import { timesOf, type Times } from './times.js';

/**
 * Opens the source for reading and checks it is the walk's inode, still a regular file: a symlink swapped in
 * fails the open (O_NOFOLLOW), another file renamed over the name fails the check.
 */
export function openSource(srcPath: FsPath, s: Stats): OpenSource {
  const fd = openSync(srcPath, READ_FLAGS);
  try {
    const now = fstatSync(fd, { bigint: true }); // before any read: exact times, and the atime our read may move
    if (now.ino !== BigInt(s.ino) || now.dev !== BigInt(s.dev) || !now.isFile()) {
      throw copyFailure('CHANGED_DURING_COPY', `${srcPath}: replaced by another entry while it was copied`);
    }
    return { fd, t: timesOf(s, now) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** A source opened and checked: its descriptor, and its exact times from the fstat taken before any read. */
export interface OpenSource {
  fd: number;
  t: Times;
}

/**
 * A regular file the walk listed in a folder this run created, opened at once (O_NOFOLLOW, O_NONBLOCK, through the
 * anchor): nothing in DST can make it a skip, so the lstat that would decide is left out and the descriptor's own
 * fstat stands for it (one path lookup fewer per file). Null when the name holds something else by now (a symlink:
 * ELOOP; a socket: ENXIO; a FIFO or anything but a regular file: closed again): the caller goes the lstat's way.
 * As before (an lstat by path, then the open), what is opened is what the name holds at the open.
 */
export function openListedFile(srcPath: FsPath): { src: OpenSource; s: Stats } | null {
  let fd: number;
  try {
    fd = openSync(srcPath, READ_FLAGS);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ELOOP' || code === 'ENXIO') return null;
    throw err;
  }
  try {
    const b = fstatSync(fd, { bigint: true });
    if (!b.isFile()) {
      closeSync(fd);
      return null;
    }
    const s = statsOf(b);
    return { src: { fd, t: timesOf(s, b) }, s };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * A source whose size or mtime moved while it was copied is not a success; the old destination stays. Checked on
 * the descriptor the data was read from (openSource made sure it is the walk's inode).
 */
export function assertUnchanged(input: number, srcPath: FsPath, s: Stats): void {
  const after = fstatSync(input);
  if (after.size !== s.size || !sameTime(after.mtimeMs, s.mtimeMs)) throw changed(srcPath, s, after.size);
}

/**
 * File systems whose regular files report a size that is not their contents': procfs, sysfs, debugfs, tracefs,
 * securityfs, configfs, cgroup (v1 and v2), pstore, bpf, selinuxfs, smackfs, efivarfs.
 */
const PSEUDO_FS = new Set([
  0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x73636673, 0x62656570, 0x27e0eb, 0x63677270, 0x6165676c, 0xcafe4a11,
  0xf97cff8c, 0x43415d53, 0xde5e81e4,
]);
/** By device, in this thread: one statfs per source file system. */
const pseudoDevs = new Map<number, boolean>();

/** Whether the source lives on such a file system (asked of the opened source itself, once per device). */
export function onPseudoFs(srcPath: FsPath, s: Stats): boolean {
  const known = pseudoDevs.get(s.dev);
  if (known !== undefined) return known;
  const { fd } = openSource(srcPath, s);
  try {
    const pseudo = PSEUDO_FS.has(statfsSync(self(fd)).type);
    pseudoDevs.set(s.dev, pseudo);
    return pseudo;
  } finally {
    closeSync(fd);
  }
}
