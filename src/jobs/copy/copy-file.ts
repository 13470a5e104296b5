/**
 * Writing one regular file, atomically: the data goes to a temp file in the destination directory, metadata is
 * set on the temp (mtime last, after the data is complete), the source is checked for changes, and only then
 * is the temp renamed over the final name. Whenever the process dies, no partial file stands under a final
 * name and an existing destination is untouched until its replacement is complete.
 *
 * The source is opened once (never through a symlink, never blocking on a FIFO) and checked with fstat to be the
 * walk's inode; every byte is read through that descriptor, so nothing swapped in at its name since is read.
 * Data, by size: a small file (< SMALL) is read into a per-thread buffer and written in one call, with owner,
 * mode and times set on the open temp: per-file cost is what bounds a tree of small files. Bigger files are
 * copied by a read/write loop in CHUNK pieces, synchronously below LARGE and on libuv's pool from LARGE up
 * (several files at once), after a reflink (FICLONE) is tried where the file system may support one. Not
 * fs.copyFile: libuv's loop asks for the size it read at open and spins forever on a source that shrank
 * meanwhile (each copy_file_range returning 0). A loop that reads end-of-file early, or more than the walk's
 * size, is CHANGED_DURING_COPY. Sparse sources (allocated blocks < size) write only non-zero 4 KiB blocks and
 * leave the rest as holes (Node has no SEEK_DATA/SEEK_HOLE; reading a hole is cheap). No fsync: like cp and
 * rsync, a copy survives a killed process, not a power cut (ext4's rename heuristics flush replaced files).
 */
import type { FsPath } from './fs-path.js';
import {
  closeSync, constants, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, openSync, read, readSync,
  renameSync, rmdirSync, statfsSync, unlinkSync, write, writeSync, type Stats,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { copyFailure, isFatalErrno, type CopyError } from './errors.js';
import { self } from '../../util/dir-anchor.js';
import { applyFileMetaFd, ownerToSet, sameTime, type Identity } from './metadata.js';
import { timesOf, utimeArgs, type Times } from './times.js';

const BLOCK = 4096;
const CHUNK = 1 << 20;
const ZERO = Buffer.alloc(BLOCK);
/** Files at least this big are copied asynchronously, several at once, on libuv's thread pool. */
export const LARGE = 1 << 20;
/** Files smaller than this are copied through a buffer in one read and one write (see the header). */
export const SMALL = 64 << 10;
const PERM = 0o7777;
const SPECIAL = 0o7000; // setuid, setgid, sticky: set by an explicit chmod at the end, never at creation
// O_NONBLOCK: should a FIFO have replaced the file since its lstat, opening it must not hang (it fails the
// identity check below instead). O_NOFOLLOW: a symlink swapped in is never followed.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
let smallBuf: Buffer | null = null; // one per thread or process, reused: a small copy allocates nothing
let chunkBuf: Buffer | null = null; // the same for the synchronous loop
const readAsync = promisify(read);
const writeAsync = promisify(write);

export interface WriteOptions {
  id: Identity;
  dirSetgid: boolean;
  verify: boolean;
  /** The process umask, when known: new files whose mode it would not strip need no chmod. */
  umask?: number;
  /** Stops a large file's copy between two chunks (CANCELLED): a big file must not hold up Ctrl-C. */
  signal?: AbortSignal;
}

/**
 * Test seam: called with the opened, checked source before its data is copied (a test shrinks the file there).
 * Only ever set in-process, by a test or a fixture a test preloads into workers (fixtures/shrink-seam.ts):
 * nothing in the environment reaches it.
 */
export const copySeams: { afterOpen?: (fd: number, s: Stats) => void } = {};

function afterOpen(fd: number, s: Stats): void {
  copySeams.afterOpen?.(fd, s);
}

export function isSparse(s: Stats): boolean {
  return s.blocks * 512 < s.size;
}

/**
 * Opens the source for reading and checks it is the walk's inode, still a regular file: a symlink swapped in
 * fails the open (O_NOFOLLOW), another file renamed over the name fails the check.
 */
export function openSource(srcPath: FsPath, s: Stats): { fd: number; t: Times } {
  const fd = openSync(srcPath, READ_FLAGS);
  try {
    const now = fstatSync(fd, { bigint: true }); // before any read: exact times, and the atime our read may move
    if (now.ino !== BigInt(s.ino) || now.dev !== BigInt(s.dev) || !now.isFile()) throw replaced(srcPath);
    return { fd, t: timesOf(s, now) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Copies src to tmp synchronously, then finishes (see `finish`). Returns the bytes copied. */
export function writeFileSync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  if (onPseudoFs(srcPath, s)) return writePseudoFile(srcPath, dstPath, tmp, s, o);
  if (s.size < SMALL && !isSparse(s)) return writeSmallFile(srcPath, dstPath, tmp, s, o);
  const { fd: input, t } = openSource(srcPath, s);
  let output = -1;
  try {
    output = openSync(tmp, CREATE_FLAGS, 0o600);
    afterOpen(input, s);
    if (isSparse(s)) copySparse(input, output, s, srcPath);
    else copyLoopSync(input, output, s, srcPath);
    return finish(input, output, srcPath, dstPath, tmp, s, o, t);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  } finally {
    closeSync(input);
    if (output >= 0) closeSync(output);
  }
}

/** The same for a large file: the data copy runs on libuv's pool, so several proceed at once. */
export async function writeFileAsync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): Promise<number> {
  if (isSparse(s) || onPseudoFs(srcPath, s)) return writeFileSync(srcPath, dstPath, tmp, s, o);
  const { fd: input, t } = openSource(srcPath, s);
  let output = -1;
  try {
    afterOpen(input, s);
    if (o.signal?.aborted) throw copyFailure('CANCELLED', 'run cancelled');
    if (await reflink(input, tmp, s, o.id)) output = openClone(tmp, s);
    else {
      output = openSync(tmp, CREATE_FLAGS, 0o600);
      await copyLoopAsync(input, output, s, srcPath, o.signal);
    }
    return finish(input, output, srcPath, dstPath, tmp, s, o, t);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  } finally {
    closeSync(input);
    if (output >= 0) closeSync(output);
  }
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

/** Source devices where a reflink failed (ext4, tmpfs, across file systems): not tried again in this thread. */
const noReflink = new Set<number>();

/**
 * A reflink (FICLONE) of the open source into a new tmp: instant and atomic on btrfs and xfs, and a failure
 * elsewhere that costs a few syscalls once per device. `/proc/self/fd/N` reopens exactly the checked inode.
 */
async function reflink(input: number, tmp: FsPath, s: Stats, id: Identity): Promise<boolean> {
  // The clone takes the source's mode: without root, it must stay readable by us to be opened for its metadata.
  if (noReflink.has(s.dev) || (!id.root && (s.mode & 0o400) === 0)) return false;
  try {
    await copyFile(self(input), tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (isFatalErrno(code) || code === 'EACCES' || code === 'EPERM') throw err;
    noReflink.add(s.dev);
    removeQuietly(tmp); // libuv removes it on failure; an EEXIST must not leave ours behind either
    return false;
  }
}

/** The data of a checked source, in CHUNK reads; end-of-file before or data after `s.size` is a change. */
function copyLoopSync(input: number, output: number, s: Stats, srcPath: FsPath): void {
  const buf = (chunkBuf ??= Buffer.allocUnsafe(CHUNK));
  let pos = 0;
  for (;;) {
    const n = readSync(input, buf, 0, CHUNK, pos);
    if (n === 0) break;
    writeAll(output, buf, 0, n, pos);
    pos += n;
    if (pos > s.size) throw changed(srcPath, s, pos);
  }
  if (pos !== s.size) throw changed(srcPath, s, pos);
}

/**
 * Asynchronous loops running at once in this thread, each with its own buffer: libuv's pool has 4 threads, so
 * more would only hold more memory and interleave more files on the disk.
 */
const ASYNC_SLOTS = 4;
const freeBufs: Buffer[] = [];
let slotsUsed = 0;
const waiting: Array<(b: Buffer) => void> = [];

function takeSlot(): Promise<Buffer> | Buffer {
  if (slotsUsed < ASYNC_SLOTS) {
    slotsUsed++;
    return freeBufs.pop() ?? Buffer.allocUnsafe(CHUNK);
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function giveSlot(b: Buffer): void {
  const next = waiting.shift();
  if (next) next(b);
  else {
    slotsUsed--;
    freeBufs.push(b);
  }
}

async function copyLoopAsync(input: number, output: number, s: Stats, srcPath: FsPath, signal?: AbortSignal): Promise<void> {
  const buf = await takeSlot();
  try {
    let pos = 0;
    for (;;) {
      if (signal?.aborted) throw copyFailure('CANCELLED', 'run cancelled');
      const { bytesRead: n } = await readAsync(input, buf, 0, CHUNK, pos);
      if (n === 0) break;
      for (let off = 0; off < n; ) off += (await writeAsync(output, buf, off, n - off, pos + off)).bytesWritten;
      pos += n;
      if (pos > s.size) throw changed(srcPath, s, pos);
    }
    if (pos !== s.size) throw changed(srcPath, s, pos);
  } finally {
    giveSlot(buf);
  }
}

/**
 * A small file on descriptors: open the source (never following a link) and check it is the walk's inode (its
 * bigint fstat also gives the exact times, before our read moves the atime), create the temp with the final
 * permission bits, one read of size+1 bytes (a longer read means the file grew), one write, owner and mode only
 * when creation could not give them, times on the open temp (after the data), then fstat of the source: the same
 * size and mtime as the walk's lstat, or the copy is not a success. Then rename.
 */
export function writeSmallFile(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  const { fd: input, t } = openSource(srcPath, s);
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
    futimesSync(output, ...utimeArgs(t));
    const after = fstatSync(input);
    if (after.size !== s.size || !sameTime(after.mtimeMs, s.mtimeMs)) throw changed(srcPath, s, after.size);
    closeSync(output);
    output = -1;
    if (o.verify && !sameContents(input, tmp)) throw copyFailure('VERIFY_FAILED', `${dstPath}: read back different bytes`);
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

/**
 * A file of procfs, sysfs and the like: its size is made up (0, or 4096 whatever it holds), so it is read to its
 * end, the copy is what was read (no NUL padding, no hole), and its size is not checked. Opened as any source
 * (O_NONBLOCK: a file that would block, such as a trace pipe, fails with EAGAIN instead of hanging the copy). An
 * attribute that cannot be read (write-only: EACCES, EIO, EINVAL) fails as this entry's record.
 */
function writePseudoFile(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  const { fd: input, t } = openSource(srcPath, s);
  let output = -1;
  try {
    output = openSync(tmp, CREATE_FLAGS, 0o600);
    const buf = (chunkBuf ??= Buffer.allocUnsafe(CHUNK));
    let pos = 0;
    for (let n; (n = readSync(input, buf, 0, CHUNK, pos)) > 0; pos += n) writeAll(output, buf, 0, n, pos);
    applyFileMetaFd(output, s, o.id, o.dirSetgid, false, t);
    if (o.verify && !sameContents(input, tmp)) throw copyFailure('VERIFY_FAILED', `${dstPath}: read back different bytes`);
    renameOver(tmp, dstPath);
    return pos;
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  } finally {
    closeSync(input);
    if (output >= 0) closeSync(output);
  }
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
function onPseudoFs(srcPath: FsPath, s: Stats): boolean {
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

function changed(srcPath: FsPath, s: Stats, size: number): CopyError {
  return copyFailure('CHANGED_DURING_COPY', `${srcPath}: changed while it was copied (size ${s.size} -> ${size})`);
}

let umaskCache: number | undefined;
/** Read once: process.umask() is safe to read (not to set) in a worker thread. */
function currentUmask(): number {
  return (umaskCache ??= process.umask());
}

/**
 * --verify, metadata on the open temp (the mode too: the temp was created 0600), the source's last check, and the
 * rename.
 */
function finish(input: number, output: number, srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, t: Times): number {
  if (o.verify && !sameContents(input, tmp)) throw copyFailure('VERIFY_FAILED', `${dstPath}: read back different bytes`);
  applyFileMetaFd(output, s, o.id, o.dirSetgid, false, t);
  assertUnchanged(input, srcPath, s);
  renameOver(tmp, dstPath);
  return s.size;
}

/**
 * A source whose size or mtime moved while it was copied is not a success; the old destination stays. Checked on
 * the descriptor the data was read from (openSource made sure it is the walk's inode).
 */
export function assertUnchanged(input: number, srcPath: FsPath, s: Stats): void {
  const after = fstatSync(input);
  if (after.size !== s.size || !sameTime(after.mtimeMs, s.mtimeMs)) throw changed(srcPath, s, after.size);
}

function replaced(srcPath: FsPath): CopyError {
  return copyFailure('CHANGED_DURING_COPY', `${srcPath}: replaced by another entry while it was copied`);
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
      throw copyFailure('TYPE_CONFLICT', `${dstPath}: a non-empty directory stands where the source has a non-directory`);
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
export function copySparse(input: number, output: number, s: Stats, srcPath: FsPath): void {
  const buf = (chunkBuf ??= Buffer.allocUnsafe(CHUNK));
  let pos = 0;
  for (;;) {
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
    if (pos > s.size) throw changed(srcPath, s, pos);
  }
  if (pos !== s.size) throw changed(srcPath, s, pos);
  ftruncateSync(output, s.size);
}

function writeAll(fd: number, buf: Buffer, from: number, to: number, base: number): void {
  for (let off = from; off < to; ) off += writeSync(fd, buf, off, to - off, base + off);
}

/**
 * Byte-by-byte comparison (--verify, --checksum): equal files are read in full, different ones stop early. Opened
 * as sources are (READ_FLAGS): a FIFO or symlink swapped in since the lstat must not hang the worker or be followed.
 * `a` may be a descriptor already open (then it stays open).
 */
export function sameContents(a: FsPath | number, b: FsPath): boolean {
  const fa = typeof a === 'number' ? a : openSync(a, READ_FLAGS);
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
    if (fa !== a) closeSync(fa);
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
