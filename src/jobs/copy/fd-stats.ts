/**
 * A Stats built from a bigint stat, so that one fstat gives both what the copy decides on (numbers) and the exact
 * nanosecond times it keeps: Node's number Stats rounds times to a double of milliseconds, and two fstats cost one
 * syscall more per file.
 */
import type { BigIntStats, Stats } from 'node:fs';

/** Milliseconds as Node's Stats computes them (seconds * 1e3 + nanoseconds / 1e6), from exact nanoseconds. */
function msOf(ns: bigint): number {
  let sec = ns / 1_000_000_000n;
  let rem = ns % 1_000_000_000n;
  if (rem < 0n) {
    rem += 1_000_000_000n;
    sec -= 1n;
  }
  return Number(sec) * 1e3 + Number(rem) / 1e6;
}

/** The Stats fields and tests the copy reads, from a bigint fstat: one fstat gives both the numbers and exact times. */
class FdStats {
  readonly dev: number; readonly ino: number; readonly mode: number; readonly nlink: number; readonly uid: number;
  readonly gid: number; readonly rdev: number; readonly size: number; readonly blksize: number; readonly blocks: number;
  readonly atimeMs: number; readonly mtimeMs: number; readonly ctimeMs: number; readonly birthtimeMs: number;
  constructor(b: BigIntStats) {
    this.dev = Number(b.dev); this.ino = Number(b.ino); this.mode = Number(b.mode); this.nlink = Number(b.nlink);
    this.uid = Number(b.uid); this.gid = Number(b.gid); this.rdev = Number(b.rdev); this.size = Number(b.size);
    this.blksize = Number(b.blksize); this.blocks = Number(b.blocks);
    this.atimeMs = msOf(b.atimeNs); this.mtimeMs = msOf(b.mtimeNs); this.ctimeMs = msOf(b.ctimeNs); this.birthtimeMs = msOf(b.birthtimeNs);
  }
  get atime(): Date { return new Date(this.atimeMs); }
  get mtime(): Date { return new Date(this.mtimeMs); }
  get ctime(): Date { return new Date(this.ctimeMs); }
  get birthtime(): Date { return new Date(this.birthtimeMs); }
  private is(type: number): boolean { return (this.mode & 0o170000) === type; }
  isFile(): boolean { return this.is(0o100000); }
  isDirectory(): boolean { return this.is(0o040000); }
  isSymbolicLink(): boolean { return this.is(0o120000); }
  isFIFO(): boolean { return this.is(0o010000); }
  isSocket(): boolean { return this.is(0o140000); }
  isBlockDevice(): boolean { return this.is(0o060000); }
  isCharacterDevice(): boolean { return this.is(0o020000); }
}

/** A bigint stat as the Stats the rest of the copy takes: every field and test Stats has, numbers as Node makes them. */
export function statsOf(b: BigIntStats): Stats {
  return new FdStats(b);
}
