/** Descriptive statistics for a handful of timings (hyperfine's choices, cited where they differ from textbook). */

export interface Summary {
  n: number;
  median: number;
  mean: number;
  /** Sample standard deviation (n - 1); null with fewer than two values. */
  sd: number | null;
  min: number;
  max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

export function standardDeviation(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  let sq = 0;
  for (const x of xs) sq += (x - m) ** 2;
  return Math.sqrt(sq / (xs.length - 1));
}

export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: median(xs),
    mean: mean(xs),
    sd: standardDeviation(xs),
    min: xs.length ? Math.min(...xs) : NaN,
    max: xs.length ? Math.max(...xs) : NaN,
  };
}

/**
 * Modified z-scores (Iglewicz and Hoaglin 1993): 0.6745 (x - median) / MAD. When more than half the values are
 * equal the MAD is 0; then the mean absolute deviation stands in (scaled by 0.7979), and if that is 0 too every
 * score is 0 (no spread, no outliers).
 */
export function modifiedZScores(xs: readonly number[]): number[] {
  const m = median(xs);
  const deviations = xs.map((x) => Math.abs(x - m));
  const mad = median(deviations);
  if (mad > 0) return xs.map((x) => (0.6745 * (x - m)) / mad);
  const meanAd = mean(deviations);
  if (meanAd > 0) return xs.map((x) => (x - m) / (1.253314 * meanAd));
  return xs.map(() => 0);
}

/** Iglewicz and Hoaglin's recommended cut-off for |modified z|. */
export const OUTLIER_Z = 3.5;

/**
 * Below this distance from the median (as a fraction of it) a value is not reported as an outlier however
 * extreme its z-score: with 3-5 runs the MAD can be tiny, and a run 3% off the median changes no conclusion.
 */
export const OUTLIER_MIN_RELATIVE = 0.1;

/** Whether x is an outlier: |modified z| > OUTLIER_Z and at least OUTLIER_MIN_RELATIVE away from the median. */
export function isOutlier(x: number, z: number, med: number): boolean {
  return Math.abs(z) > OUTLIER_Z && Math.abs(x - med) >= OUTLIER_MIN_RELATIVE * Math.abs(med);
}

/** Indexes of the outlying values (see isOutlier). Needs at least 3 values. */
export function outlierIndexes(xs: readonly number[]): number[] {
  if (xs.length < 3) return [];
  const med = median(xs);
  return modifiedZScores(xs).flatMap((z, i) => (isOutlier(xs[i], z, med) ? [i] : []));
}

export interface Relative {
  /** time / fastest time: 1 for the fastest, 2 for twice as slow. */
  ratio: number;
  /** Propagated standard deviation of the ratio (null when a standard deviation is unknown). */
  sd: number | null;
}

/**
 * Speed relative to the fastest, by median. Its uncertainty propagates the two relative standard deviations,
 * assuming independence, as hyperfine does: sd = ratio * sqrt((sd_a / mean_a)^2 + (sd_f / mean_f)^2).
 */
export function relativeTo(a: Summary, fastest: Summary): Relative {
  const ratio = a.median / fastest.median;
  if (a.sd === null || fastest.sd === null || a.mean === 0 || fastest.mean === 0) return { ratio, sd: null };
  return { ratio, sd: ratio * Math.hypot(a.sd / a.mean, fastest.sd / fastest.mean) };
}

/** What a ratio's uncertainty lets a report claim about two strategies. */
export type Separation = 'apart' | 'within-noise' | 'too-few-runs';

/**
 * The one rule every report sentence that ranks strategies follows: the slower is called slower only when its
 * ratio to the faster minus the ratio's uncertainty stays above 1, i.e. the interval the Relative column prints
 * (ratio ± sd) excludes 1. Otherwise the two are within noise; with a single run there is no uncertainty to judge.
 */
export function separation(r: Relative): Separation {
  if (r.sd === null) return 'too-few-runs';
  return r.ratio - r.sd > 1 ? 'apart' : 'within-noise';
}
