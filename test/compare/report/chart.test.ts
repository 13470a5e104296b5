import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/compare/analyse.js';
import type { Comparison } from '../../../src/compare/model.js';
import type { Sample } from '../../../src/compare/sample.js';
import { expandStrategies } from '../../../src/compare/strategy.js';
import { niceScale, niceStep, renderChart } from '../../../src/compare/report/chart.js';

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

describe('chart labels', () => {
  const strategies = expandStrategies(['async', 'threads'], [2]);
  const chart = (wall: Record<string, number[]>) => {
    const samples = Object.entries(wall).flatMap(([strategy, ws]) =>
      ws.map((wallMs, round) => ({
        strategy, round, warmup: false, sequence: 0, wallMs, userMs: 1, systemMs: 1, cpuSource: 'parent', peakRssBytes: null,
        rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null, resultHash: 'H', items: 1, itemsPerSec: 1, bytesPerSec: 1, error: null,
        job: { items: 1, ok: 1, failed: 0, retries: 0, bytes: 1, elapsedMs: wallMs, eventLoopDelayP99Ms: 1, resultHash: 'H', cpu: { userMs: 1, systemMs: 1 } },
      }) as Sample),
    );
    return renderChart({ strategies: analyse(strategies, samples, 3).strategies } as Comparison);
  };

  it('labels the first bar "fastest" only when the runner-up is clearly slower', () => {
    expect(chart({ async: [1000, 1010, 990], 'threads:2': [500, 505, 495] })).toContain('500 ms fastest');
    const noisy = chart({ async: [586, 250, 1500], 'threads:2': [481, 470, 1300] });
    expect(noisy).toContain('481 ms lowest median');
    expect(noisy).not.toContain('fastest<');
  });
});
