/**
 * Times as utimes(2) is given them, never later than the source's. Node takes a time as a double of seconds (a
 * numeric string is parsed to one) and libuv turns it into a timespec: tv_sec = trunc(t), tv_nsec =
 * trunc((t - tv_sec) * 1e9), older libuv (Node 20) also truncates to whole microseconds (probed). A double near 1.7e9 s
 * is good to 2^-22 s (238 ns), so the exact nanosecond is often not representable: the time passed is the one
 * that libuv turns into the latest time at or before the source's. That conversion is checked once per thread on a
 * scratch file; should this libuv convert otherwise, each candidate is set and read back there instead. A copy never looks newer than its source, and
 * x.999999999 never rolls over into the next second (it would to the nearest double).
 *
 * Exact nanoseconds come from a bigint stat of the source (`timesOf`); a Stats object's milliseconds are a double
 * rounded to the nearest 240 ns or so, used only when no bigint stat agrees with them (an atime our own read moved).
 * A time before 1970 goes as a numeric string: fs takes a negative *number* of seconds for "now".
 */
import { closeSync, fstatSync, futimesSync, mkdtempSync, openSync, rmdirSync, unlinkSync, type BigIntStats, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';

export interface Times {
  atimeNs: bigint;
  mtimeNs: bigint;
}

/**
 * The times of `s`, each taken exact from `exact` (a bigint stat of the same entry) when it agrees with `s` to a
 * microsecond, else from `s`'s milliseconds.
 */
export function timesOf(s: Stats, exact?: BigIntStats): Times {
  return { atimeNs: nsOf(s.atimeMs, exact?.atimeNs), mtimeNs: nsOf(s.mtimeMs, exact?.mtimeNs) };
}

/** `ns` when it agrees with `ms` to a microsecond (the same time, exact), else `ms` in nanoseconds. */
export function nsOf(ms: number, ns: bigint | undefined): bigint {
  if (ns !== undefined && Math.abs(Number(ns) / 1e6 - ms) < 0.001) return ns;
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** utimes/futimes/lutimes arguments for `t`. */
export function utimeArgs(t: Times): [number | string, number | string] {
  return [utimeArg(t.atimeNs), utimeArg(t.mtimeNs)];
}

const NS = 1_000_000_000n;

/** The seconds to pass for `ns`: what libuv stores from it is the latest storable time not after `ns`. */
export function utimeArg(ns: bigint): number | string {
  const r = (runtime ??= probeRuntime());
  let sec = ns / NS;
  let rem = ns % NS;
  if (rem < 0n) {
    rem += NS;
    sec -= 1n;
  }
  const wantSec = Number(sec);
  const wantNs = Number(rem) - (Number(rem) % r.granule); // the latest storable time at or before ns
  let d = wantSec + wantNs / 1e9;
  // The nearest double may land a step above or below: move by one double at a time (at most a few steps).
  for (let i = 0; i < 64 && after(r, d, wantSec, wantNs); i++) d = nextDown(d);
  for (let i = 0; i < 64; i++) {
    const up = nextUp(d);
    if (after(r, up, wantSec, wantNs)) break;
    d = up;
  }
  // Still after it (a conversion unlike the one expected): bisect down from the start of the second before.
  if (after(r, d, wantSec, wantNs)) d = bisect(r, wantSec - 1, d, wantSec, wantNs);
  return arg(d);
}

/** The largest double in [lo, hi) whose stored time is not after (wantSec, wantNs); `lo`'s is not, `hi`'s is. */
function bisect(r: Runtime, lo: number, hi: number, wantSec: number, wantNs: number): number {
  let a = key(lo);
  let b = key(hi);
  while (b - a > 1n) {
    const mid = (a + b) / 2n;
    if (after(r, fromKey(mid), wantSec, wantNs)) b = mid;
    else a = mid;
  }
  return fromKey(a);
}

/** Doubles as integers in the same order (their bits, negated for negative numbers). */
function key(d: number): bigint {
  f64[0] = d;
  const bits = i64[0]!;
  return bits >= 0n ? bits : -(bits & 0x7fffffffffffffffn);
}

function fromKey(k: bigint): number {
  i64[0] = k >= 0n ? k : -k | -0x8000000000000000n;
  return f64[0]!;
}

/** fs takes a negative *number* of seconds for "now"; a numeric string is parsed to the same double. */
function arg(d: number): number | string {
  return d < 0 ? String(d) : d;
}

/** Whether the time stored for the double `d` is after (wantSec, wantNs). */
function after(r: Runtime, d: number, wantSec: number, wantNs: number): boolean {
  const [sec, ns] = stored(r, d);
  return sec > wantSec || (sec === wantSec && ns > wantNs);
}

/** The time libuv stores for `d`: computed as libuv does, or, where that was found not to hold, asked of the kernel. */
function stored(r: Runtime, d: number): [number, number] {
  if (r.scratch >= 0) {
    futimesSync(r.scratch, arg(d), arg(d));
    const t = fstatSync(r.scratch, { bigint: true }).mtimeNs;
    const sec = t >= 0n ? t / NS : -((-t + NS - 1n) / NS);
    return [Number(sec), Number(t - sec * NS)];
  }
  let sec = Math.trunc(d);
  let ns = Math.trunc((d - sec) * 1e9);
  ns -= ns % r.granule;
  if (ns < 0) {
    ns += 1e9;
    sec -= 1;
  }
  return [sec, ns];
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

function nextUp(d: number): number {
  if (d === 0) return Number.MIN_VALUE;
  f64[0] = d;
  i64[0] += d > 0 ? 1n : -1n;
  return f64[0];
}

function nextDown(d: number): number {
  return -nextUp(-d);
}

interface Runtime {
  /** 1000 where libuv truncates to microseconds (Node 20), else 1. */
  granule: number;
  /**
   * -1 when libuv's conversion was checked to be the one `stored` computes; else a scratch file (unlinked) on
   * which each candidate time is set and read back: slower, but exact whatever this libuv does.
   */
  scratch: number;
}

/** Probed once per thread. */
let runtime: Runtime | undefined;

/** Times that a wrong idea of libuv's conversion would get wrong: sub-microsecond, x.999999999, before 1970. */
const CHECKS = [1714912496987654321n, 1714912496999999999n, 1714912497000000001n, -157766399999999999n, -1000000123n, 1000000700n];

/**
 * Sets times on a scratch file of our own (created in a fresh private folder, then unlinked): first one with a
 * sub-microsecond part (the granule), then CHECKS, each compared with what `stored` computes.
 */
function probeRuntime(): Runtime {
  let fd = -1;
  try {
    const dir = mkdtempSync(`${tmpdir()}/.fanout-utimes-`);
    try {
      fd = openSync(`${dir}/probe`, 'wx');
      unlinkSync(`${dir}/probe`);
    } finally {
      rmdirSync(dir);
    }
    futimesSync(fd, 1.0000007, 1.0000007);
    const granule = fstatSync(fd, { bigint: true }).mtimeNs % 1000n === 0n ? 1000 : 1;
    const model: Runtime = { granule, scratch: -1 };
    const real: Runtime = { granule, scratch: fd };
    for (const ns of CHECKS) {
      runtime = model;
      const d = Number(utimeArg(ns));
      for (const x of [d, nextUp(d), nextDown(d)]) {
        const [a, b] = stored(model, x);
        const [c, e] = stored(real, x);
        if (a !== c || b !== e) return real;
      }
    }
    closeSync(fd);
    return model;
  } catch {
    if (fd >= 0) closeSync(fd);
    return { granule: 1000, scratch: -1 }; // cannot tell: microseconds are never later than the source on either libuv
  } finally {
    runtime = undefined;
  }
}

/** For tests: the granule in use (1000: microseconds, 1: nanoseconds). */
export function timeGranule(): number {
  return (runtime ??= probeRuntime()).granule;
}
