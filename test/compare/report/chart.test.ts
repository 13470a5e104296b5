import { describe, expect, it } from 'vitest';
import { niceScale, niceStep } from '../../../src/compare/report/chart.js';

describe('chart axes', () => {
  it('steps on 1, 2 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.5, 3, 7, 42, 260].map(niceStep)).toEqual([1, 1, 2, 5, 10, 50, 500]);
  });

  it('ends the axis on a tick at or above the largest value', () => {
    expect(niceScale(226, 4)).toEqual({ max: 300, step: 100 });
    expect(niceScale(410, 2)).toEqual({ max: 500, step: 500 });
    expect(niceScale(0)).toEqual({ max: 0, step: 1 });
  });
});
