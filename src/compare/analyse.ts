/** From raw samples to per-strategy statistics, the correctness verdicts, a ranking and the warnings. */
import { availableParallelism } from 'node:os';
import { correctnessGate } from './correctness.js';
import type { StrategyResult, Warning } from './model.js';
import type { Sample } from './sample.js';
import { isOutlier, median, modifiedZScores, relativeTo, separation, summarize, type Summary } from './stats.js';
import type { Strategy } from './strategy.js';

/** Fewer measured runs than this and the standard deviation and outlier test mean little. */
export const ENOUGH_RUNS = 5;

export interface Analysis {
  strategies: StrategyResult[];
  majorityHash: string | null;
  warnings: Warning[];
}

export function analyse(strategies: readonly Strategy[], samples: readonly Sample[], runs: number, cores = availableParallelism()): Analysis {
  const gate = correctnessGate(
    strategies.map((s) => s.id),
    samples,
  );
  const results: StrategyResult[] = strategies.map((s) => {
    const measured = samples.filter((x) => x.strategy === s.id && !x.warmup);
    const valid = measured.filter((x) => x.error === null && x.job !== null);
    const of = (f: (x: Sample) => number | null): Summary | null => {
      const xs = valid.map(f).filter((v): v is number => v !== null);
      return xs.length ? summarize(xs) : null;
    };
    const verdict = gate.verdicts.get(s.id)!;
    return {
      ...s,
      runs: valid.length,
      wallMs: summarize(valid.map((x) => x.wallMs)),
      userMs: summarize(valid.map((x) => x.userMs)),
      systemMs: summarize(valid.map((x) => x.systemMs)),
      cpuMs: summarize(valid.map((x) => x.userMs + x.systemMs)),
      peakRssBytes: of((x) => x.peakRssBytes),
      itemsPerSec: of((x) => x.itemsPerSec),
      bytesPerSec: of((x) => x.bytesPerSec),
      eventLoopDelayP99Ms: of((x) => x.job?.eventLoopDelayP99Ms ?? null),
      failed: valid.length ? median(valid.map((x) => x.job!.failed)) : null,
      retries: valid.length ? median(valid.map((x) => x.job!.retries)) : null,
      correctness: verdict,
      rank: null,
      relative: null,
      parallelEfficiency: null,
      warnings: strategyWarnings(s.id, valid, verdict),
    };
  });
  const async = results.find((r) => r.mode === 'async' && r.runs > 0);
  if (async) for (const r of results) if (r.runs > 0) r.parallelEfficiency = async.cpuMs.median / cores / r.wallMs.median;

  const ranked = results.filter((r) => r.correctness.status === 'agrees' && r.runs > 0).sort((a, b) => a.wallMs.median - b.wallMs.median);
  ranked.forEach((r, i) => {
    r.rank = i + 1;
    r.relative = relativeTo(r.wallMs, ranked[0].wallMs);
  });

  const warnings: Warning[] = [];
  if (runs < ENOUGH_RUNS) {
    warnings.push({
      code: 'TOO_FEW_RUNS',
      message: `only ${runs} measured run${runs === 1 ? '' : 's'} per strategy: spread and outlier checks need ${ENOUGH_RUNS} or more (--runs ${ENOUGH_RUNS})`,
    });
  }
  if (gate.majority === null && gate.verdicts.size > 1 && [...gate.verdicts.values()].some((v) => v.status === 'no-majority')) {
    warnings.push({ code: 'NO_MAJORITY', message: 'the strategies disagree on the result and no majority exists: none is ranked' });
  }
  if (ranked.length >= 2) {
    const [a, b] = ranked;
    const rel = b.relative!;
    if (separation(rel) === 'within-noise') {
      warnings.push({
        code: 'WITHIN_NOISE',
        message: `${a.id} and ${b.id} are within noise of each other (${b.id} is ${rel.ratio.toFixed(2)} ± ${rel.sd!.toFixed(2)} × ${a.id}): more runs may separate them`,
      });
    }
  }
  return { strategies: results, majorityHash: gate.majority, warnings: [...warnings, ...results.flatMap((r) => r.warnings)] };
}

function strategyWarnings(id: string, valid: readonly Sample[], verdict: StrategyResult['correctness']): Warning[] {
  const out: Warning[] = [];
  if (verdict.status === 'differs') out.push({ code: 'RESULT_DIFFERS', strategy: id, message: `${id}: ${verdict.detail}; not ranked` });
  if (verdict.status === 'unstable') out.push({ code: 'RESULT_UNSTABLE', strategy: id, message: `${id}: ${verdict.detail}; not ranked` });
  if (verdict.status === 'failed') out.push({ code: 'RUN_FAILED', strategy: id, message: `${id}: ${verdict.detail}; not ranked` });
  const failedItems = valid.length ? median(valid.map((x) => x.job!.failed)) : 0;
  if (failedItems > 0) out.push({ code: 'ITEMS_FAILED', strategy: id, message: `${id}: ${failedItems} item(s) failed per run (median)` });

  const times = valid.map((x) => x.wallMs);
  // With fewer runs the MAD is too rough to call anything an outlier (TOO_FEW_RUNS says so instead).
  if (times.length >= ENOUGH_RUNS) {
    const z = modifiedZScores(times);
    const med = median(times);
    const first = valid.findIndex((x) => x.round === 0);
    const slowFirst = first >= 0 && z[first] > 0 && isOutlier(times[first], z[first], med);
    if (slowFirst) {
      out.push({
        code: 'SLOW_FIRST_RUN',
        strategy: id,
        message: `${id}: the first measured run was much slower than the rest (${fmt(times[first])} vs median ${fmt(med)}); caches may have been cold: raise --warmup`,
      });
    }
    const others = z.flatMap((v, i) => (!(slowFirst && i === first) && isOutlier(times[i], v, med) ? [times[i]] : []));
    if (others.length > 0) {
      out.push({
        code: 'OUTLIERS',
        strategy: id,
        message: `${id}: statistical outlier${others.length > 1 ? 's' : ''} (${others.map(fmt).join(', ')} vs median ${fmt(med)}); something else may have been using the machine: re-run on a quieter system`,
      });
    }
  }
  return out;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}
