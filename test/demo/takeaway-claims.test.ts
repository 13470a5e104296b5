/**
 * Every sentence that ranks strategies must be backed by the numbers the same report prints: a strategy is called
 * faster (or thriftier with CPU) only when the other's ratio to it, minus its uncertainty, stays above 1 (the
 * Relative column's interval excludes 1). Checked here against many random comparisons, from the raw samples.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/compare/analyse.js';
import type { Comparison } from '../../src/compare/model.js';
import type { Sample } from '../../src/compare/sample.js';
import { relativeTo, summarize, type Summary } from '../../src/compare/stats.js';
import { expandStrategies } from '../../src/compare/strategy.js';
import { headline } from '../../src/compare/report/format.js';
import { takeaway } from '../../src/demo/takeaway.js';

const STRATEGIES = expandStrategies(['async', 'threads', 'procs'], [2]);

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(strategy: string, round: number, wallMs: number, cpuMs: number): Sample {
  return {
    strategy, round, warmup: false, sequence: 0, wallMs, userMs: cpuMs * 0.7, systemMs: cpuMs * 0.3, cpuSource: 'parent',
    peakRssBytes: null, rssSampledBytes: null, rssSamples: 0, exitCode: 0, signal: null, resultHash: 'H', items: 10,
    itemsPerSec: 1, bytesPerSec: 1, error: null,
    job: { items: 10, ok: 10, failed: 0, retries: 0, bytes: 1, elapsedMs: wallMs, eventLoopDelayP99Ms: 1, resultHash: 'H', cpu: { userMs: 1, systemMs: 1 } },
  };
}

/** Random timings: each strategy its own level and its own noise (from 1% to 60%), 1 to 6 runs each. */
function randomComparison(seed: number): { c: Comparison; samples: Sample[] } {
  const next = random(seed);
  const runs = 1 + Math.floor(next() * 6);
  const samples = STRATEGIES.flatMap((s) => {
    const wall = 300 + next() * 700;
    const cpu = 200 + next() * 800;
    const noise = 0.01 + next() * 0.59;
    return Array.from({ length: runs }, (_, round) =>
      sample(s.id, round, wall * (1 + noise * (next() * 2 - 1)), cpu * (1 + noise * (next() * 2 - 1))),
    );
  });
  const analysis = analyse(STRATEGIES, samples, runs);
  return { c: { strategies: analysis.strategies, warnings: analysis.warnings } as Comparison, samples };
}

/** The other's ratio to the better one, from the raw samples: its interval (ratio ± sd) must exclude 1. */
function clearlyApart(better: Summary, worse: Summary): boolean {
  const r = relativeTo(worse, better);
  return r.sd !== null && r.ratio - r.sd > 1;
}

function summaries(samples: Sample[], id: string) {
  const mine = samples.filter((s) => s.strategy === id);
  return { wall: summarize(mine.map((s) => s.wallMs)), cpu: summarize(mine.map((s) => s.userMs + s.systemMs)) };
}

describe('sentences that rank strategies', () => {
  it('never call one strategy faster or thriftier than another unless the uncertainty of their ratio excludes 1', () => {
    const unbacked: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const { c, samples } = randomComparison(seed);
      const text = `${takeaway(c)} ${headline(c)}`;
      const ids = '([\\w:]+)';
      const claims: [RegExp, 'wall' | 'cpu'][] = [
        [new RegExp(`${ids} was (?:fastest, )?[\\d.]+x faster than ${ids}`, 'g'), 'wall'],
        [new RegExp(`${ids} is fastest \\(median [^)]*\\), [^×]* × faster than ${ids}`, 'g'), 'wall'],
        [new RegExp(`${ids} used the least CPU \\([^)]* for ${ids}\\)`, 'g'), 'cpu'],
      ];
      for (const [pattern, what] of claims) {
        for (const m of text.matchAll(pattern)) {
          if (!clearlyApart(summaries(samples, m[1])[what], summaries(samples, m[2])[what])) unbacked.push(`seed ${seed}: ${m[0]}`);
        }
      }
    }
    expect(unbacked).toEqual([]);
  });

  it('say "within noise" whenever the runner-up is not clearly slower than the fastest, in the takeaway and the headline alike', () => {
    const silent: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const { c, samples } = randomComparison(seed);
      const [first, second] = [...c.strategies].sort((a, b) => a.rank! - b.rank!);
      if (clearlyApart(summaries(samples, first.id).wall, summaries(samples, second.id).wall)) continue;
      for (const text of [takeaway(c), headline(c)]) {
        if (!/within noise|too few runs/.test(text)) silent.push(`seed ${seed}: ${text}`);
      }
    }
    expect(silent).toEqual([]);
  });

  it('does not call the tied winners faster than async when async is within noise of them (the tree copy of issue 10)', () => {
    const wall: Record<string, number[]> = { async: [586, 250, 1500], 'threads:2': [481, 470, 1300], 'procs:2': [490, 480, 1350] };
    const samples = Object.entries(wall).flatMap(([id, ws]) => ws.map((w, i) => sample(id, i, w, 500 + i * 50)));
    const c = { strategies: analyse(STRATEGIES, samples, 3).strategies } as Comparison;
    const text = takeaway(c);
    expect(text).not.toMatch(/faster than async/);
    expect(text).toMatch(/within noise/);
  });
});
