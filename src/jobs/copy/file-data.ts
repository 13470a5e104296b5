/**
 * A file's bytes, between two open descriptors: the read/write loops (synchronous, and on libuv's pool for large
 * files), the sparse copy, and the byte-by-byte comparison of --verify and --checksum. A loop that reads end-of-file
 * before the walk's size, or data past it, is CHANGED_DURING_COPY (the file changed while it was copied).
 */
import type { FsPath } from './fs-path.js';
import { closeSync, constants, ftruncateSync, openSync, read, readSync, write, writeSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { copyFailure, type CopyError } from './errors.js';

const BLOCK = 4096;
export const CHUNK = 1 << 20;
const ZERO = Buffer.alloc(BLOCK);
// O_NONBLOCK: should a FIFO have replaced the file since its lstat, opening it must not hang (it fails the
// identity check instead). O_NOFOLLOW: a symlink swapped in is never followed.
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
let chunkBuf: Buffer | null = null; // one per thread or process, reused by the synchronous loops
const readAsync = promisify(read);
const writeAsync = promisify(write);

/** The reusable CHUNK buffer of this thread, for synchronous loops. */
export function chunkBuffer(): Buffer {
  return (chunkBuf ??= Buffer.allocUnsafe(CHUNK));
}

export function isSparse(s: Stats): boolean {
  return s.blocks * 512 < s.size;
}

export function changed(srcPath: FsPath, s: Stats, size: number): CopyError {
  return copyFailure('CHANGED_DURING_COPY', `${srcPath}: changed while it was copied (size ${s.size} -> ${size})`);
}

/**
 * The data of a checked source, in CHUNK reads; end-of-file before or data after `s.size` is a change. `sparse`:
 * all-zero 4 KiB blocks become holes, and the size is set by ftruncate.
 */
export function copyLoopSync(input: number, output: number, s: Stats, srcPath: FsPath, sparse = false): void {
  const buf = chunkBuffer();
  let pos = 0;
  for (;;) {
    const n = readSync(input, buf, 0, CHUNK, pos);
    if (n === 0) break;
    if (sparse) writeDataBlocks(output, buf, n, pos);
    else writeAll(output, buf, 0, n, pos);
    pos += n;
    if (pos > s.size) throw changed(srcPath, s, pos);
  }
  if (pos !== s.size) throw changed(srcPath, s, pos);
  if (sparse) ftruncateSync(output, s.size);
}

/** Writes the blocks of `buf` (n bytes read at `pos`) that are not all zero, leaving holes between them. */
function writeDataBlocks(output: number, buf: Buffer, n: number, pos: number): void {
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

export async function copyLoopAsync(input: number, output: number, s: Stats, srcPath: FsPath, signal?: AbortSignal): Promise<void> {
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

export function writeAll(fd: number, buf: Buffer, from: number, to: number, base: number): void {
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
