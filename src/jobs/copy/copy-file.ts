/**
 * Writing one regular file, atomically: the data goes to a temp file in the destination directory, metadata is
 * set on the temp (mtime last, after the data is complete), the source is checked for changes, and only then
 * is the temp renamed over the final name. Whenever the process dies, no partial file stands under a final
 * name and an existing destination is untouched until its replacement is complete.
 *
 * Data, by size: a small file (< SMALL) is read into a per-thread buffer and written, on open file descriptors,
 * with its owner, mode and times set on the open temp and the source re-checked with fstat: one path lookup
 * less per call than the path-based route, and per-file cost is what bounds a tree of small files (a copy is a
 * few syscalls; the file creation and the rename dominate). Bigger files go through fs.copyFile (libuv:
 * FICLONE, then copy_file_range, then sendfile), so their contents never cross into JavaScript, and files of
 * LARGE and more through the async fs.copyFile, several at once on libuv's pool. Sparse sources (allocated
 * blocks < size) are copied by a read loop that writes only non-zero 4 KiB blocks and leaves the rest as holes
 * (Node has no SEEK_DATA/SEEK_HOLE; reading a hole is cheap). No fsync: like cp and rsync, a copy survives a
 * killed process, not a power cut (ext4's rename heuristics flush replaced files anyway).
 */
import type { FsPath } from './fs-path.js';
import {
  closeSync, constants, copyFileSync, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, lstatSync, openSync,
  readSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { FanoutError } from '../../engine/errors.js';
import { applyFileMeta, ownerToSet, sameTime, seconds, type Identity } from './metadata.js';

const BLOCK = 4096;
const CHUNK = 1 << 20;
const ZERO = Buffer.alloc(BLOCK);
/** Files at least this big are copied with the async fs.copyFile, several at once, on libuv's thread pool. */
export const LARGE = 1 << 20;
/** Files smaller than this are copied through a buffer on open descriptors (see the header). */
export const SMALL = 64 << 10;
const PERM = 0o7777;
const SPECIAL = 0o7000; // setuid, setgid, sticky: set by an explicit chmod at the end, never at creation
// O_NONBLOCK: should a FIFO have replaced the file since its lstat, opening it must not hang (it fails the
// identity check below instead). O_NOFOLLOW: a symlink swapped in is never followed.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
let smallBuf: Buffer | null = null; // one per thread or process, reused: a small copy allocates nothing

export interface WriteOptions {
  id: Identity;
  dirSetgid: boolean;
  verify: boolean;
  /** The process umask, when known: new files whose mode it would not strip need no chmod. */
  umask?: number;
}

export function isSparse(s: Stats): boolean {
  return s.blocks * 512 < s.size;
}

/** Copies src to tmp synchronously, then finishes (see `finish`). Returns the bytes copied. */
export function writeFileSync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  if (s.size < SMALL && !isSparse(s)) return writeSmallFile(srcPath, dstPath, tmp, s, o);
  try {
    if (isSparse(s)) copySparse(srcPath, tmp, s);
    else copyFileSync(srcPath, tmp, constants.COPYFILE_EXCL);
    return finish(srcPath, dstPath, tmp, s, o, true);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** The same for a large file: the data copy runs on libuv's pool, so several proceed at once. */
export async function writeFileAsync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): Promise<number> {
  if (isSparse(s)) return writeFileSync(srcPath, dstPath, tmp, s, o);
  try {
    await copyFile(srcPath, tmp, constants.COPYFILE_EXCL);
    return finish(srcPath, dstPath, tmp, s, o, true);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/**
 * A small file on descriptors: open the source (never following a link), create the temp with the final
 * permission bits, one read of size+1 bytes (a longer read means the file grew), one write, owner and mode only
 * when creation could not give them, times on the open temp (after the data), then fstat of the source: the
 * same inode with the same size and mtime as the walk's lstat, or the copy is not a success. Then rename.
 */
export function writeSmallFile(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  const input = openSync(srcPath, READ_FLAGS);
  let output = -1;
  try {
    output = openSync(tmp, CREATE_FLAGS, s.mode & 0o777);
    const buf = (smallBuf ??= Buffer.allocUnsafe(SMALL + 1));
    const n = readSync(input, buf, 0, s.size + 1, 0);
    if (n !== s.size) throw changed(srcPath, s, n);
    writeAll(output, buf, 0, n, 0);
    const owner = ownerToSet(s, o.id, o.dirSetgid);
    if (owner) fchownSync(output, owner[0], owner[1]);
    // open() applied the umask and left out the special bits; chown clears setuid/setgid.
    if ((s.mode & SPECIAL) !== 0 || (s.mode & (o.umask ?? currentUmask())) !== 0) fchmodSync(output, s.mode & PERM);
    futimesSync(output, seconds(s.atimeMs), seconds(s.mtimeMs));
    const after = fstatSync(input);
    if (after.ino !== s.ino || after.dev !== s.dev || !after.isFile()) throw replaced(srcPath);
    if (after.size !== s.size || !sameTime(after.mtimeMs, s.mtimeMs)) throw changed(srcPath, s, after.size);
    closeSync(output);
    output = -1;
    if (o.verify && !sameContents(srcPath, tmp)) throw new FanoutError('VERIFY_FAILED', `${dstPath}: read back different bytes`);
    renameOver(tmp, dstPath);
    return n;
  } catch (err) {
    if (output >= 0) closeSync(output);
    removeQuietly(tmp);
    throw err;
  } finally {
    closeSync(input);
  }
}

function changed(srcPath: FsPath, s: Stats, size: number): FanoutError {
  return new FanoutError('CHANGED_DURING_COPY', `${srcPath}: changed while it was copied (size ${s.size} -> ${size})`);
}

let umaskCache: number | undefined;
/** Read once: process.umask() is safe to read (not to set) in a worker thread. */
function currentUmask(): number {
  return (umaskCache ??= process.umask());
}

function finish(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, modeSet: boolean): number {
  if (o.verify && !sameContents(srcPath, tmp)) throw new FanoutError('VERIFY_FAILED', `${dstPath}: read back different bytes`);
  applyFileMeta(tmp, s, o.id, o.dirSetgid, modeSet);
  assertUnchanged(srcPath, s);
  renameOver(tmp, dstPath);
  return s.size;
}

/**
 * A source whose size or mtime moved while it was copied is not a success; the old destination stays. So is one
 * that is no longer the walk's inode: copyFile follows symlinks, so a link swapped in (its size and mtime can be
 * made to match) would have had its target's data copied under the file's name and mode.
 */
export function assertUnchanged(srcPath: FsPath, s: Stats): void {
  const after = lstatSync(srcPath, { throwIfNoEntry: false });
  if (!after) throw new FanoutError('VANISHED', `${srcPath}: removed while it was copied`);
  if (after.ino !== s.ino || after.dev !== s.dev || !after.isFile()) throw replaced(srcPath);
  if (after.size !== s.size || !sameTime(after.mtimeMs, s.mtimeMs)) throw changed(srcPath, s, after.size);
}

function replaced(srcPath: FsPath): FanoutError {
  return new FanoutError('CHANGED_DURING_COPY', `${srcPath}: replaced by another entry while it was copied`);
}

/** rename(2) replaces files and symlinks (never following them); an empty directory in the way is removed. */
export function renameOver(tmp: FsPath, dstPath: FsPath): void {
  try {
    renameSync(tmp, dstPath);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    try {
      rmdirSync(dstPath);
    } catch {
      throw new FanoutError('TYPE_CONFLICT', `${dstPath}: a non-empty directory stands where the source has a non-directory`);
    }
    renameSync(tmp, dstPath);
  }
}

export function removeQuietly(path: FsPath): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or never created
  }
}

/** Copies data blocks only: all-zero 4 KiB blocks become holes, and the size is set by ftruncate. */
export function copySparse(srcPath: FsPath, tmp: FsPath, s: Stats): void {
  const input = openSync(srcPath, READ_FLAGS);
  let output = -1;
  try {
    output = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; ; ) {
      const n = readSync(input, buf, 0, CHUNK, pos);
      if (n === 0) break;
      let run = -1; // start of the current run of data blocks in buf
      for (let off = 0; off < n; off += BLOCK) {
        const end = Math.min(off + BLOCK, n);
        const zero = buf.compare(ZERO, 0, end - off, off, end) === 0;
        if (!zero && run < 0) run = off;
        else if (zero && run >= 0) {
          writeAll(output, buf, run, off, pos);
          run = -1;
        }
      }
      if (run >= 0) writeAll(output, buf, run, n, pos);
      pos += n;
    }
    ftruncateSync(output, s.size);
    fchmodSync(output, s.mode & 0o7777);
  } finally {
    closeSync(input);
    if (output >= 0) closeSync(output);
  }
}

function writeAll(fd: number, buf: Buffer, from: number, to: number, base: number): void {
  for (let off = from; off < to; ) off += writeSync(fd, buf, off, to - off, base + off);
}

/**
 * Byte-by-byte comparison (--verify, --checksum): equal files are read in full, different ones stop early. Opened
 * as sources are (READ_FLAGS): a FIFO or symlink swapped in since the lstat must not hang the worker or be followed.
 */
export function sameContents(a: FsPath, b: FsPath): boolean {
  const fa = openSync(a, READ_FLAGS);
  try {
    const fb = openSync(b, READ_FLAGS);
    try {
      const ba = Buffer.allocUnsafe(CHUNK);
      const bb = Buffer.allocUnsafe(CHUNK);
      for (let pos = 0; ; ) {
        const na = readSync(fa, ba, 0, CHUNK, pos);
        const nb = readFull(fb, bb, na, pos);
        if (na !== nb) return false;
        if (na === 0) return true;
        if (ba.compare(bb, 0, nb, 0, na) !== 0) return false;
        pos += na;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

function readFull(fd: number, buf: Buffer, want: number, pos: number): number {
  let got = 0;
  while (got < want) {
    const n = readSync(fd, buf, got, want - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  // one byte more tells a longer file from an equal one when `want` is 0
  if (want === 0) return readSync(fd, buf, 0, 1, pos);
  return got;
}
