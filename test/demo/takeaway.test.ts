import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/compare/analyse.js';
import type { Comparison } from '../../src/compare/model.js';
import type { Sample } from '../../src/compare/sample.js';
import { expandStrategies } from '../../src/compare/strategy.js';
import { takeaway } from '../../src/demo/takeaway.js';

const STRATEGIES = expandStrategies(['async', 'threads', 'procs'], [2]);

/** A comparison from per-strategy wall times and CPU (ms: one for every run, or one per run), as compare would analyse them. */
function comparison(runs: Record<string, { wall: number[]; cpu: number | number[]; hash?: string }>): Comparison {
  const samples: Sample[] = Object.entries(runs).flatMap(([strategy, r]) =>
    r.wall.map((wallMs, round) => ({
      strategy, round, warmup: false, sequence: 0, wallMs, userMs: cpuOf(r.cpu, round) * 0.8, systemMs: cpuOf(r.cpu, round) * 0.2, cpuSource: 'parent' as const,
      peakRssBytes: null, rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null, resultHash: r.hash ?? 'H', items: 10,
      itemsPerSec: 1, bytesPerSec: 1, error: null,
      job: { items: 10, ok: 10, failed: 0, retries: 0, bytes: 1, elapsedMs: wallMs, eventLoopDelayP99Ms: 1, resultHash: r.hash ?? 'H', cpu: { userMs: 1, systemMs: 1 } },
    })),
  );
  return { strategies: analyse(STRATEGIES, samples, 3).strategies } as Comparison;
}

const cpuOf = (cpu: number | number[], round: number) => (Array.isArray(cpu) ? cpu[round] : cpu);

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
    expect(text).toBe('procs:2 was fastest, 1.6x faster than async (1.25 s vs 2.00 s); async used the least CPU (2.00 s vs 2.30 s for threads:2).');
  });

  it('names the runner-up within noise of the winner, and still says how the winner fares against async when async is clearly behind', () => {
    const text = takeaway(comparison({
      async: { wall: [2000, 2010, 1990], cpu: 2000 },
      'threads:2': { wall: [1230, 1400, 1100], cpu: 2300 },
      'procs:2': { wall: [1250, 1450, 1150], cpu: 2310 },
    }));
    expect(text).toBe(
      'threads:2 had the lowest median (1.23 s), but procs:2 was within noise of it (1.02 ± 0.17 × threads:2 at 3 runs), ' +
        'and threads:2 was 1.6x faster than async (1.23 s vs 2.00 s); async used the least CPU (2.00 s vs 2.30 s for threads:2).',
    );
  });

  it('says there is no clear winner when every gap is within the noise of the runs, and calls no CPU use the least when it is not', () => {
    const text = takeaway(comparison({
      async: { wall: [1000, 1400, 700], cpu: [600, 700, 500] },
      'threads:2': { wall: [1150, 1600, 800], cpu: [610, 720, 480] },
      'procs:2': { wall: [1300, 1900, 900], cpu: [620, 690, 530] },
    }));
    expect(text).toBe(
      'no clear winner: async had the lowest median (1.00 s), but threads:2 and procs:2 were within noise of it (procs:2 1.30 ± 0.65 × async at 3 runs); ' +
        'async, threads:2 and procs:2 used about the same CPU (600 ms for async; within noise: procs:2 1.03 ± 0.22 × async at 3 runs).',
    );
  });

  it('says one run is too few to tell strategies apart rather than call one faster', () => {
    const text = takeaway(comparison({
      async: { wall: [1000], cpu: 600 },
      'threads:2': { wall: [1300], cpu: 900 },
      'procs:2': { wall: [1400], cpu: 1000 },
    }));
    expect(text).toBe(
      'no clear winner: async had the lowest median (1.00 s), but 1 run is too few runs to tell threads:2 and procs:2 from it; ' +
        'async, threads:2 and procs:2 used about the same CPU (600 ms for async; 1 run: too few runs to tell them apart).',
    );
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
