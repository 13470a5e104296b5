import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/compare/analyse.js';
import type { Comparison } from '../../src/compare/model.js';
import type { Sample } from '../../src/compare/sample.js';
import { expandStrategies } from '../../src/compare/strategy.js';
import { takeaway } from '../../src/demo/takeaway.js';

const STRATEGIES = expandStrategies(['async', 'threads', 'procs'], [2]);

/** A comparison from per-strategy wall times and CPU (ms), three runs each, as compare would analyse them. */
function comparison(runs: Record<string, { wall: number[]; cpu: number; hash?: string }>): Comparison {
  const samples: Sample[] = Object.entries(runs).flatMap(([strategy, r]) =>
    r.wall.map((wallMs, round) => ({
      strategy, round, warmup: false, sequence: 0, wallMs, userMs: r.cpu * 0.8, systemMs: r.cpu * 0.2, cpuSource: 'parent' as const,
      peakRssBytes: null, rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null, resultHash: r.hash ?? 'H', items: 10,
      itemsPerSec: 1, bytesPerSec: 1, error: null,
      job: { items: 10, ok: 10, failed: 0, retries: 0, bytes: 1, elapsedMs: wallMs, eventLoopDelayP99Ms: 1, resultHash: r.hash ?? 'H', cpu: { userMs: 1, systemMs: 1 } },
    })),
  );
  return { strategies: analyse(STRATEGIES, samples, 3).strategies } as Comparison;
}

describe('the takeaway printed under each demo report', () => {
  it('says async was fastest and used the least CPU when it was', () => {
    const text = takeaway(comparison({
      async: { wall: [1000, 1010, 990], cpu: 600 },
      'threads:2': { wall: [1300, 1310, 1290], cpu: 850 },
      'procs:2': { wall: [1400, 1410, 1390], cpu: 1000 },
    }));
    expect(text).toBe('async was fastest, 1.3x faster than threads:2 (1.00 s vs 1.30 s); async used the least CPU (600 ms vs 850 ms for threads:2).');
  });

  it('compares the winner with async when a worker strategy wins', () => {
    const text = takeaway(comparison({
      async: { wall: [2000, 2010, 1990], cpu: 2000 },
      'threads:2': { wall: [1500, 1510, 1490], cpu: 2300 },
      'procs:2': { wall: [1250, 1260, 1240], cpu: 2500 },
    }));
    expect(text).toBe('procs:2 was 1.6x faster than async (1.25 s vs 2.00 s); async used the least CPU (2.00 s vs 2.30 s for threads:2).');
  });

  it('calls medians within 5% a tie, and still says how the tied winners fare against async', () => {
    const text = takeaway(comparison({
      async: { wall: [2000, 2010, 1990], cpu: 2000 },
      'threads:2': { wall: [1230, 1240, 1220], cpu: 2300 },
      'procs:2': { wall: [1250, 1260, 1240], cpu: 2310 },
    }));
    expect(text).toMatch(/^threads:2 and procs:2 tied \(medians within 2%\), 1\.6x faster than async \(1\.23 s vs 2\.00 s\); async used the least CPU/);
  });

  it('says when the gap is within the noise of the runs', () => {
    const text = takeaway(comparison({
      async: { wall: [1000, 1400, 700], cpu: 600 },
      'threads:2': { wall: [1150, 1600, 800], cpu: 600 },
      'procs:2': { wall: [1300, 1900, 900], cpu: 610 },
    }));
    expect(text).toContain('async was fastest, 1.1x faster than threads:2 (1.00 s vs 1.15 s; within noise at 3 runs)');
    expect(text).toContain('async, threads:2 and procs:2 used about the same CPU (600 ms)');
  });

  it('names a strategy that the correctness gate kept out of the ranking', () => {
    const text = takeaway(comparison({
      async: { wall: [1000, 1000, 1000], cpu: 600 },
      'threads:2': { wall: [900, 900, 900], cpu: 700, hash: 'other' },
      'procs:2': { wall: [1300, 1300, 1300], cpu: 800 },
    }));
    expect(text).toMatch(/^async was fastest/);
    expect(text).toContain('(threads:2 not ranked: it failed or differed, see the warnings)');
  });
});
