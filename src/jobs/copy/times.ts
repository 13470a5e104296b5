/**
 * Times as utimes(2) is given them, never later than the source's. Node takes a time as a double of seconds (a
 * numeric string is parsed to one) and libuv turns it into a timespec: tv_sec = trunc(t), tv_nsec =
 * trunc((t - tv_sec) * 1e9), older libuv (Node 20) also truncates to whole microseconds (probed). A double near 1.7e9 s
 * is good to 2^-22 s (238 ns), so the exact nanosecond is often not representable: the time passed is the one
 * that libuv turns into the latest time at or before the source's. A copy never looks newer than its source, and
 * x.999999999 never rolls over into the next second (it would to the nearest double).
 *
 * Exact nanoseconds come from a bigint stat of the source (`timesOf`); a Stats object's milliseconds are a double
 * rounded to the nearest 240 ns or so, used only when no bigint stat agrees with them (an atime our own read moved).
 * A time before 1970 goes as a numeric string: fs takes a negative *number* of seconds for "now".
 */
import { closeSync, fstatSync, futimesSync, mkdtempSync, openSync, rmSync, type BigIntStats, type Stats } from 'node:fs';
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
  const unit = (granule ??= probeGranule());
  let sec = ns / NS;
  let rem = ns % NS;
  if (rem < 0n) {
    rem += NS;
    sec -= 1n;
  }
  const wantSec = Number(sec);
  const wantNs = Number(rem) - (Number(rem) % unit); // the latest storable time at or before ns
  let d = wantSec + wantNs / 1e9;
  // The nearest double may land a step above or below: move by one double at a time (at most a few steps).
  for (let i = 0; i < 64 && after(d, wantSec, wantNs, unit); i++) d = nextDown(d);
  for (let i = 0; i < 64; i++) {
    const up = nextUp(d);
    if (after(up, wantSec, wantNs, unit)) break;
    d = up;
  }
  return d < 0 ? String(d) : d;
}

/** Whether libuv would store a time after (wantSec, wantNs) for the double `d`. */
function after(d: number, wantSec: number, wantNs: number, unit: number): boolean {
  let sec = Math.trunc(d);
  let ns = Math.trunc((d - sec) * 1e9);
  ns -= ns % unit;
  if (ns < 0) {
    ns += 1e9;
    sec -= 1;
  }
  return sec > wantSec || (sec === wantSec && ns > wantNs);
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

/** 1000 where libuv truncates to microseconds (Node 20), else 1. Probed once per thread. */
let granule: number | undefined;

/** Sets a time with a sub-microsecond part on a scratch file of our own (in a fresh private folder). */
function probeGranule(): number {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(`${tmpdir()}/.fanout-utimes-`);
    const fd = openSync(`${dir}/probe`, 'wx');
    try {
      futimesSync(fd, 1.0000007, 1.0000007);
      return fstatSync(fd, { bigint: true }).mtimeNs % 1000n === 0n ? 1000 : 1;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 1000; // cannot tell: truncating to microseconds is never later than the source on either libuv
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** For tests: the granule in use (1000: microseconds, 1: nanoseconds). */
export function timeGranule(): number {
  return (granule ??= probeGranule());
}
