/**
 * An lstat as plain numbers, for a re-run's quick check (entry.ts), where two lstats per file are most of the work.
 * fs.lstatSync builds an fs.Stats per call, and on Node 20 four Date objects with it: a third of a skipped file's
 * CPU outside the kernel, and most of the garbage. Node's own fs binding hands back the numbers themselves; they are
 * read from it here, into a small object with the same fields and is*() methods the quick check uses.
 *
 * The binding is not public API, so it is used only where it pays, where fs.Stats makes its Dates with every call
 * (Node 20; later Nodes make them lazily, and Node 24 gained nothing measurable), and trusted only once its first
 * answer matched fs.lstatSync's for the same path, field by field. Where it is missing, blocked (the permission
 * model), would print a deprecation warning (--pending-deprecation) or answers otherwise, fs.lstatSync serves. Only a
 * skip is decided from these numbers: anything else is looked at again through fs.lstatSync (entry.ts), so an error,
 * a type or an edge case this object does not cover never depends on it.
 */
import { lstatSync, type Stats } from 'node:fs';

/** What the quick check reads of an lstat (plan.ts): fs.Stats has it, and so has QuickStats. */
export type StatNumbers = Pick<
  Stats,
  'dev' | 'ino' | 'mode' | 'nlink' | 'uid' | 'gid' | 'rdev' | 'size' | 'mtimeMs' |
  'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'
>;

const S_IFMT = 0o170000;

class QuickStats implements StatNumbers {
  constructor(
    readonly dev: number, readonly mode: number, readonly nlink: number, readonly uid: number, readonly gid: number,
    readonly rdev: number, readonly ino: number, readonly size: number, readonly mtimeMs: number,
  ) {}
  isFile(): boolean { return (this.mode & S_IFMT) === 0o100000; }
  isDirectory(): boolean { return (this.mode & S_IFMT) === 0o040000; }
  isSymbolicLink(): boolean { return (this.mode & S_IFMT) === 0o120000; }
  isFIFO(): boolean { return (this.mode & S_IFMT) === 0o010000; }
  isSocket(): boolean { return (this.mode & S_IFMT) === 0o140000; }
  isBlockDevice(): boolean { return (this.mode & S_IFMT) === 0o060000; }
  isCharacterDevice(): boolean { return (this.mode & S_IFMT) === 0o020000; }
}

/**
 * Node's binding: (path, bigint, req, throwIfNoEntry) => its shared stat array (overwritten by the next call), or
 * undefined for a missing entry. Checked on 20.5.0, 20.19.0 and 20.20.2; on builds before 20.19 the fourth argument
 * was an error context, and there any error comes back as undefined too, which is never a skip.
 */
type RawLstat = (path: string, bigint: false, req: undefined, throwIfNoEntry: false) => Float64Array | undefined;

/** 'unchecked' until the binding's first answer was compared with fs.lstatSync's. */
let state: 'unchecked' | 'trusted' | 'off' = 'unchecked';
let raw: RawLstat | null = null;

/** The lstat of `path` as numbers; undefined when nothing is there. Throws as fs.lstatSync does, for other errors. */
export function quickLstat(path: string): StatNumbers | undefined {
  if (path.includes('\0')) return lstatSync(path, { throwIfNoEntry: false }); // throws as it should: the binding would cut the path there
  if (state === 'trusted') return fromArray(raw!(path, false, undefined, false));
  if (state === 'unchecked') return check(path);
  return lstatSync(path, { throwIfNoEntry: false });
}

/** Whether this process reads lstats from the binding, checking it on `probe` if no call has yet (for tests). */
export function quickStatsInUse(probe: string): boolean {
  if (state === 'unchecked') quickLstat(probe);
  return state === 'trusted';
}

/**
 * The stat array's layout, as Node writes it (FillStatsArray): dev, mode, nlink, uid, gid, rdev, blksize, ino, size,
 * blocks, then seconds and nanoseconds of atime, mtime, ctime and birthtime.
 */
function fromArray(a: Float64Array | undefined): StatNumbers | undefined {
  if (!a) return undefined;
  // mtimeMs exactly as fs.Stats computes it from seconds and nanoseconds.
  return new QuickStats(a[0], a[1], a[2], a[3], a[4], a[5], a[7], a[8], a[12] * 1e3 + a[13] / 1e6);
}

function check(path: string): StatNumbers | undefined {
  const real = lstatSync(path, { throwIfNoEntry: false });
  if (!real) return real; // nothing to compare with yet: the next call checks
  // Where fs.Stats makes its Dates lazily fs.lstatSync costs about what the binding does.
  if (!eagerDates(real)) {
    state = 'off';
    return real;
  }
  raw ??= binding();
  let quick: StatNumbers | undefined;
  try {
    quick = raw ? fromArray(raw(path, false, undefined, false)) : undefined;
  } catch {
    quick = undefined;
  }
  state = quick && same(quick, real) ? 'trusted' : 'off';
  return real;
}

/** Whether this Node's fs.Stats holds its Dates as fields, made with every call (Node 20), not as lazy getters. */
function eagerDates(s: Stats): boolean {
  return Object.getOwnPropertyDescriptor(s, 'mtime')?.value instanceof Date;
}

function same(q: StatNumbers, s: Stats): boolean {
  return q.dev === s.dev && q.ino === s.ino && q.mode === s.mode && q.nlink === s.nlink && q.uid === s.uid &&
    q.gid === s.gid && q.rdev === s.rdev && q.size === s.size && q.mtimeMs === s.mtimeMs;
}

function binding(): RawLstat | null {
  // process.binding is deprecated in documentation only. Where pending deprecations are on (however spelled: flag,
  // NODE_OPTIONS, NODE_PENDING_DEPRECATION), Node wraps it to warn on use, and the wrapper is named `deprecated`.
  const get = (process as unknown as { binding?: (name: string) => { lstat?: unknown } }).binding;
  if (typeof get !== 'function' || get.name !== 'binding') return null;
  try {
    const fs = get.call(process, 'fs');
    return typeof fs.lstat === 'function' ? (fs.lstat.bind(fs) as RawLstat) : null;
  } catch {
    return null; // gone, or blocked by the permission model
  }
}
