/**
 * The one-line conclusion the demo prints under each report, read off the numbers (never written in advance):
 * who was fastest and by how much against async (the baseline: no workers), and who used the least CPU.
 */
import type { Comparison, StrategyResult } from '../compare/model.js';
import { byRank, cpuTotal, duration } from '../compare/report/format.js';

/**
 * Below this gap between two medians two strategies are called a tie (and two CPU totals the same); a larger gap
 * that is still within the ratio's standard deviation is reported, with "within noise".
 */
export const TIE_RATIO = 0.05;

export function takeaway(c: Comparison): string {
  const ranked = byRank(c).filter((s) => s.rank !== null);
  const flagged = c.strategies.filter((s) => s.rank === null).map((s) => s.id);
  const unranked = flagged.length ? ` (${list(flagged)} not ranked: ${flagged.length > 1 ? 'they' : 'it'} failed or differed, see the warnings)` : '';
  const best = ranked[0];
  if (!best) return `no strategy could be ranked: see the warnings${unranked}.`;
  if (ranked.length === 1) return `only ${best.id} could be ranked (median ${duration(best.wallMs.median)})${unranked}.`;
  return `${speed(ranked)}; ${cpu(ranked)}${unranked}.`;
}

/** Who was fastest: against async when async lost, else against the runner-up. */
function speed(ranked: StrategyResult[]): string {
  const best = ranked[0];
  const tied = ranked.slice(1).filter((s) => s.relative!.ratio - 1 < TIE_RATIO);
  const baseline = ranked.find((s) => s.mode === 'async');
  if (tied.length > 0) {
    const group = [best, ...tied];
    let text = `${list(group.map((s) => s.id))} tied (medians within ${percent(tied[tied.length - 1].relative!.ratio)})`;
    if (baseline && !group.includes(baseline)) text += `, ${times(baseline.relative!.ratio)} faster than async (${versus(best, baseline)})`;
    return text;
  }
  const other = best === baseline || !baseline ? ranked[1] : baseline;
  const text = best === baseline || !baseline ? `${best.id} was fastest, ${times(other.relative!.ratio)} faster than ${other.id}` : `${best.id} was ${times(other.relative!.ratio)} faster than async`;
  return `${text} (${versus(best, other)}${withinNoise(other) ? `; within noise at ${best.runs} runs` : ''})`;
}

/** Who used the least CPU (user + system, medians), and how it compares with the next. */
function cpu(ranked: StrategyResult[]): string {
  const byCpu = [...ranked].sort((a, b) => cpuTotal(a) - cpuTotal(b));
  const [least, next] = byCpu;
  if (cpuTotal(next) < cpuTotal(least) * (1 + TIE_RATIO)) {
    const same = byCpu.filter((s) => cpuTotal(s) < cpuTotal(least) * (1 + TIE_RATIO));
    return `${list(same.map((s) => s.id))} used about the same CPU (${duration(cpuTotal(least))})`;
  }
  return `${least.id} used the least CPU (${duration(cpuTotal(least))} vs ${duration(cpuTotal(next))} for ${next.id})`;
}

const versus = (a: StrategyResult, b: StrategyResult) => `${duration(a.wallMs.median)} vs ${duration(b.wallMs.median)}`;

/** The gap to the fastest is smaller than the ratio's own standard deviation. */
function withinNoise(s: StrategyResult): boolean {
  const r = s.relative!;
  return r.sd !== null && r.ratio - 1 < r.sd;
}

/** 1.62 -> "1.6x"; 1.046 -> "1.05x" (two decimals below 1.1, where one would round a real gap away). */
function times(ratio: number): string {
  return `${ratio < 1.1 ? ratio.toFixed(2) : ratio.toFixed(1)}x`;
}

function percent(ratio: number): string {
  return `${Math.max(1, Math.round((ratio - 1) * 100))}%`;
}

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
