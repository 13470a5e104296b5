import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/compare/analyse.js';
import type { Sample } from '../../src/compare/sample.js';
import { expandStrategies } from '../../src/compare/strategy.js';

/** Three measured runs of each strategy with the given wall and CPU (user) times. */
function samples(runs: Record<string, { wallMs: number; cpuMs: number }>): Sample[] {
  return Object.entries(runs).flatMap(([strategy, { wallMs, cpuMs }]) =>
    [0, 1, 2].map((round) => ({
      strategy, round, warmup: false, sequence: 0, wallMs, userMs: cpuMs, systemMs: 0, cpuSource: 'parent', peakRssBytes: null,
      rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null, resultHash: 'H', items: 1, itemsPerSec: 1, bytesPerSec: 1, error: null,
      job: { items: 1, ok: 1, failed: 0, retries: 0, bytes: 1, elapsedMs: wallMs, eventLoopDelayP99Ms: 1, resultHash: 'H', cpu: { userMs: cpuMs, systemMs: 0 } },
    }) as Sample),
  );
}

describe('parallel efficiency', () => {
  it("is async's CPU time over the cores and each strategy's wall time (issue 13's parse-heavy figures)", () => {
    // 600 parse-heavy pages on 2 cores: async used 7.9 s of CPU in 5.9 s; procs 2 took 4.1 s.
    const { strategies } = analyse(
      expandStrategies(['async', 'procs'], [2]),
      samples({ async: { wallMs: 5900, cpuMs: 7900 }, 'procs:2': { wallMs: 4100, cpuMs: 8300 } }),
      3,
      2,
    );
    const by = Object.fromEntries(strategies.map((s) => [s.id, s.parallelEfficiency]));
    expect(by.async).toBeCloseTo(7900 / 2 / 5900, 5);
    expect(by['procs:2']).toBeCloseTo(0.963, 3);
  });

  it('is not given without an async run to measure the work by', () => {
    const { strategies } = analyse(expandStrategies(['threads'], [2]), samples({ 'threads:2': { wallMs: 1000, cpuMs: 1500 } }), 3, 2);
    expect(strategies[0]!.parallelEfficiency).toBeNull();
  });
});
