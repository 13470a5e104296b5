import { describe, expect, it } from 'vitest';
import { mean, median, modifiedZScores, outlierIndexes, relativeTo, separation, standardDeviation, summarize } from '../../src/compare/stats.js';

describe('stats', () => {
  it('computes the median of odd and even counts without reordering the input', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([])).toBeNaN();
  });

  it('computes the mean and the sample standard deviation (n - 1)', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(standardDeviation(xs)).toBeCloseTo(2.13809, 5);
    expect(standardDeviation([42])).toBeNull();
  });

  it('summarizes n, median, mean, sd, min and max', () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, median: 2, mean: 2, sd: 1, min: 1, max: 3 });
  });

  it('scores with the Iglewicz-Hoaglin modified z-score and copes with a zero MAD', () => {
    // median 3, absolute deviations 2 1 0 1 2 -> MAD 1
    expect(modifiedZScores([1, 2, 3, 4, 5]).map((z) => +z.toFixed(4))).toEqual([-1.349, -0.6745, 0, 0.6745, 1.349]);
    // MAD is 0 here; the mean absolute deviation stands in, so the 100 still stands out.
    const z = modifiedZScores([10, 10, 10, 10, 10, 10, 10, 100]);
    expect(z[7]).toBeGreaterThan(3.5);
    expect(modifiedZScores([7, 7, 7])).toEqual([0, 0, 0]);
  });

  it('finds hyperfine’s textbook outliers and none in low-variance or tiny samples', () => {
    expect(outlierIndexes([0.5, 0.3, 0.29, 0.31, 0.3])).toEqual([0]);
    expect(outlierIndexes([10, 10, 10, 10, 10, 10, 10, 100, 100])).toEqual([7, 8]);
    expect(outlierIndexes([100, 101, 99, 100.5, 99.5])).toEqual([]);
    expect(outlierIndexes([1000, 0])).toEqual([]);
  });

  it('does not call a run 5% off the median an outlier even when the MAD is tiny', () => {
    expect(outlierIndexes([100, 100.1, 100.2, 99.9, 105])).toEqual([]);
    expect(outlierIndexes([100, 100.1, 100.2, 99.9, 130])).toEqual([4]);
  });

  it('gives speed relative to the fastest with its propagated uncertainty, as hyperfine does', () => {
    const fastest = { n: 5, median: 2, mean: 2, sd: 0.2, min: 1.8, max: 2.2 };
    const slower = { n: 5, median: 3, mean: 3, sd: 0.3, min: 2.7, max: 3.3 };
    const r = relativeTo(slower, fastest);
    expect(r.ratio).toBe(1.5);
    expect(r.sd).toBeCloseTo(1.5 * Math.sqrt(0.1 ** 2 + 0.1 ** 2), 10);
    expect(relativeTo(fastest, fastest).ratio).toBe(1);
    expect(relativeTo({ ...slower, sd: null }, fastest).sd).toBeNull();
  });

  it('calls two strategies apart only when the ratio minus its uncertainty stays above 1', () => {
    expect(separation({ ratio: 1.22, sd: 0.84 })).toBe('within-noise'); // the tree copy of issue 10
    expect(separation({ ratio: 1.5, sd: 0.1 })).toBe('apart');
    expect(separation({ ratio: 1.1, sd: 0.1 })).toBe('within-noise'); // the interval reaches 1 exactly
    expect(separation({ ratio: 1, sd: 0 })).toBe('within-noise'); // the same time is no gap
    expect(separation({ ratio: 2, sd: null })).toBe('too-few-runs');
  });
});
