/**
 * Writing one regular file, atomically: the data goes to a temp file in the destination directory, metadata is
 * set on the temp (mtime last, after the data is complete), the source is checked for changes, and only then
 * is the temp renamed over the final name. Whenever the process dies, no partial file stands under a final
 * name and an existing destination is untouched until its replacement is complete.
 *
 * The source is opened once and checked to be the walk's inode (file-source.ts). Data, by size: a small file
 * (< SMALL) is read into a per-thread buffer and written in one call, with owner, mode and times set on the open
 * temp: per-file cost is what bounds a tree of small files. Bigger files are copied by a read/write loop in CHUNK
 * pieces (file-data.ts), synchronously below LARGE and on libuv's pool from LARGE up (several files at once), after
 * a reflink is tried where the file system may support one (reflink.ts). Not fs.copyFile: libuv's loop asks for the
 * size it read at open and spins forever on a source that shrank meanwhile (each copy_file_range returning 0).
 * Sparse sources (allocated blocks < size) write only non-zero 4 KiB blocks and leave the rest as holes (Node has
 * no SEEK_DATA/SEEK_HOLE; reading a hole is cheap). No fsync: like cp and rsync, a copy survives a killed process,
 * not a power cut (ext4's rename heuristics flush replaced files).
 */
import type { FsPath } from './fs-path.js';
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, openSync, readSync, type Stats } from 'node:fs';
import { copyFailure } from './errors.js';
import { changed, chunkBuffer, CHUNK, copyLoopAsync, copyLoopSync, isSparse, sameContents, writeAll } from './file-data.js';
import { assertUnchanged, onPseudoFs, openSource, type OpenSource } from './file-source.js';
import { applyFileMetaFd, ownerToSet, type Identity } from './metadata.js';
import { reflink } from './reflink.js';
import { removeQuietly, renameOver } from './temp.js';
import { utimeArgs, type Times } from './times.js';

/** Files at least this big are copied asynchronously, several at once, on libuv's thread pool. */
export const LARGE = 1 << 20;
/** Files smaller than this are copied through a buffer in one read and one write (see the header). */
export const SMALL = 64 << 10;
const PERM = 0o7777;
const SPECIAL = 0o7000; // setuid, setgid, sticky: set by an explicit chmod at the end, never at creation
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
let smallBuf: Buffer | null = null; // one per thread or process, reused: a small copy allocates nothing

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

/** The descriptors of one copy: the checked source, and the temp once it is created (-1 before). */
interface Io {
  input: number;
  output: number;
  /** The source's exact times, from the fstat taken before any read. */
  t: Times;
  /** Whether `input` was opened here (else the caller's: it closes it). */
  own: boolean;
}

/**
 * Runs `write` with the source open and checked (`src` when the caller opened it, openListedFile); whatever
 * happens, the descriptors opened here are closed after it (settled, when it returns a promise), and when it fails
 * the temp is removed: no partial file is left.
 */
function intoTemp<T>(srcPath: FsPath, tmp: FsPath, s: Stats, write: (io: Io) => T, src?: OpenSource): T {
  const { fd, t } = src ?? openSource(srcPath, s);
  const io: Io = { input: fd, output: -1, t, own: !src };
  let result: T;
  try {
    result = write(io);
  } catch (err) {
    release(io, tmp);
    throw err;
  }
  if (!(result instanceof Promise)) {
    release(io);
    return result;
  }
  return result.then(
    (value) => {
      release(io);
      return value;
    },
    (err: unknown) => {
      release(io, tmp);
      throw err;
    },
  ) as T;
}

function release(io: Io, failedTemp?: FsPath): void {
  if (failedTemp !== undefined) removeQuietly(failedTemp);
  if (io.own) closeSync(io.input);
  if (io.output >= 0) closeSync(io.output);
}

/**
 * Copies src to tmp synchronously, then finishes (see `finish`). Returns the bytes copied. `src`: the source already
 * open and checked (openListedFile), left open for the caller to close.
 */
export function writeFileSync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, src?: OpenSource): number {
  if (onPseudoFs(srcPath, s)) return writePseudoFile(srcPath, dstPath, tmp, s, o, src);
  if (s.size < SMALL && !isSparse(s)) return writeSmallFile(srcPath, dstPath, tmp, s, o, src);
  return intoTemp(srcPath, tmp, s, (io) => {
    io.output = openSync(tmp, CREATE_FLAGS, 0o600);
    copySeams.afterOpen?.(io.input, s);
    copyLoopSync(io.input, io.output, s, srcPath, isSparse(s));
    return finish(io, srcPath, dstPath, tmp, s, o);
  }, src);
}

/** The same for a large file: the data copy runs on libuv's pool, so several proceed at once. */
export async function writeFileAsync(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, src?: OpenSource): Promise<number> {
  if (isSparse(s) || onPseudoFs(srcPath, s)) return writeFileSync(srcPath, dstPath, tmp, s, o, src);
  return intoTemp(srcPath, tmp, s, async (io) => {
    copySeams.afterOpen?.(io.input, s);
    if (o.signal?.aborted) throw copyFailure('CANCELLED', 'run cancelled');
    io.output = await reflink(io.input, tmp, s, o.id);
    if (io.output < 0) {
      io.output = openSync(tmp, CREATE_FLAGS, 0o600);
      await copyLoopAsync(io.input, io.output, s, srcPath, o.signal);
    }
    return finish(io, srcPath, dstPath, tmp, s, o);
  }, src);
}

/**
 * A small file on descriptors: create the temp with the final permission bits, one read of size+1 bytes (a longer
 * read means the file grew), one write, owner and mode only when creation could not give them, times on the open
 * temp (after the data), then fstat of the source: the same size and mtime as the walk's lstat, or the copy is not
 * a success. Then rename.
 */
export function writeSmallFile(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, src?: OpenSource): number {
  return intoTemp(srcPath, tmp, s, (io) => {
    io.output = openSync(tmp, CREATE_FLAGS, s.mode & 0o777);
    const buf = (smallBuf ??= Buffer.allocUnsafe(SMALL + 1));
    const n = readSync(io.input, buf, 0, s.size + 1, 0);
    if (n !== s.size) throw changed(srcPath, s, n);
    writeAll(io.output, buf, 0, n, 0);
    const owner = ownerToSet(s, o.id, o.dirSetgid);
    if (owner) fchownSync(io.output, owner[0], owner[1]);
    // open() applied the umask and left out the special bits; chown clears setuid/setgid.
    if ((s.mode & SPECIAL) !== 0 || (s.mode & (o.umask ?? currentUmask())) !== 0) fchmodSync(io.output, s.mode & PERM);
    futimesSync(io.output, ...utimeArgs(io.t));
    assertUnchanged(io.input, srcPath, s);
    closeSync(io.output);
    io.output = -1;
    verify(io.input, tmp, dstPath, o);
    renameOver(tmp, dstPath);
    return n;
  }, src);
}

/**
 * A file of procfs, sysfs and the like: its size is made up (0, or 4096 whatever it holds), so it is read to its
 * end, the copy is what was read (no NUL padding, no hole), and its size is not checked. Opened as any source
 * (O_NONBLOCK: a file that would block, such as a trace pipe, fails with EAGAIN instead of hanging the copy). An
 * attribute that cannot be read (write-only: EACCES, EIO, EINVAL) fails as this entry's record.
 */
function writePseudoFile(srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions, src?: OpenSource): number {
  return intoTemp(srcPath, tmp, s, (io) => {
    io.output = openSync(tmp, CREATE_FLAGS, 0o600);
    const buf = chunkBuffer();
    let pos = 0;
    for (let n; (n = readSync(io.input, buf, 0, CHUNK, pos)) > 0; pos += n) writeAll(io.output, buf, 0, n, pos);
    applyFileMetaFd(io.output, s, o.id, o.dirSetgid, false, io.t);
    verify(io.input, tmp, dstPath, o);
    renameOver(tmp, dstPath);
    return pos;
  }, src);
}

/** --verify, metadata on the open temp (the mode too: it was created 0600), the source's last check, the rename. */
function finish(io: Io, srcPath: FsPath, dstPath: FsPath, tmp: FsPath, s: Stats, o: WriteOptions): number {
  verify(io.input, tmp, dstPath, o);
  applyFileMetaFd(io.output, s, o.id, o.dirSetgid, false, io.t);
  assertUnchanged(io.input, srcPath, s);
  renameOver(tmp, dstPath);
  return s.size;
}

/** --verify: the temp read back must hold the source's bytes. */
function verify(input: number, tmp: FsPath, dstPath: FsPath, o: WriteOptions): void {
  if (o.verify && !sameContents(input, tmp)) throw copyFailure('VERIFY_FAILED', `${dstPath}: read back different bytes`);
}

let umaskCache: number | undefined;
/** Read once: process.umask() is safe to read (not to set) in a worker thread. */
function currentUmask(): number {
  return (umaskCache ??= process.umask());
}

export { sameContents } from './file-data.js';
