/**
 * The conclusion the demo prints under each report, read off the numbers (never written in advance): who was
 * fastest and by how much, and who used the least CPU. A strategy is called faster or thriftier than another only
 * when the stats module's separation rule allows it (the ratio's interval, as the report prints it, excludes 1);
 * otherwise the text says the two are within noise, or that there were too few runs to tell.
 */
import type { Comparison, StrategyResult } from '../compare/model.js';
import { duration } from '../compare/report/format.js';
import { relativeTo, separation, type Relative, type Summary } from '../compare/stats.js';

export function takeaway(c: Comparison): string {
  const ranked = c.strategies.filter((s) => s.rank !== null).sort((a, b) => a.rank! - b.rank!);
  const flagged = c.strategies.filter((s) => s.rank === null).map((s) => s.id);
  const unranked = flagged.length ? ` (${list(flagged)} not ranked: ${flagged.length > 1 ? 'they' : 'it'} failed or differed, see the warnings)` : '';
  const best = ranked[0];
  if (!best) return `no strategy could be ranked: see the warnings${unranked}.`;
  if (ranked.length === 1) return `only ${best.id} could be ranked (median ${duration(best.wallMs.median)})${unranked}.`;
  return `${speed(ranked)}; ${cpu(ranked)}${unranked}.`;
}

/** The strategies sorted by one measure, split into the lowest and those not clearly above it, and the rest. */
interface Standing {
  best: StrategyResult;
  /** Not clearly above the best (within noise, or too few runs to tell), in order. */
  close: StrategyResult[];
  /** Clearly above the best, in order. */
  behind: StrategyResult[];
  rel: (s: StrategyResult) => Relative;
  value: (s: StrategyResult) => number;
}

function standing(strategies: StrategyResult[], of: (s: StrategyResult) => Summary): Standing {
  const sorted = [...strategies].sort((a, b) => of(a).median - of(b).median);
  const best = sorted[0];
  const rel = (s: StrategyResult) => relativeTo(of(s), of(best));
  const rest = sorted.slice(1);
  return {
    best,
    close: rest.filter((s) => separation(rel(s)) !== 'apart'),
    behind: rest.filter((s) => separation(rel(s)) === 'apart'),
    rel,
    value: (s) => of(s).median,
  };
}

/** Who was fastest: against async when async lost, else against the runner-up. */
function speed(ranked: StrategyResult[]): string {
  const st = standing(ranked, (s) => s.wallMs);
  const { best, close, behind } = st;
  // The clear gap to name: to async (the baseline: no workers) when it is clearly behind, else to the nearest.
  const other = behind.find((s) => s.mode === 'async') ?? behind[0];
  const gap = other ? `${times(st.rel(other).ratio)} faster than ${other.id} (${duration(st.value(best))} vs ${duration(st.value(other))})` : '';
  if (close.length === 0) return `${best.id} was fastest, ${gap}`;
  const why = closeness(st);
  const names = list(close.map((s) => s.id));
  const lowest = `${best.id} had the lowest median (${duration(st.value(best))})`;
  const lead =
    why.reason === 'within noise'
      ? `${lowest}, but ${names} ${close.length > 1 ? `were within noise of it (${why.widest} ${why.detail})` : `was within noise of it (${why.detail})`}`
      : `${lowest}, but ${why.detail} ${why.runs === 1 ? 'is' : 'are'} too few runs to tell ${names} from it`;
  return other ? `${lead}, and ${best.id} was ${gap}` : `no clear winner: ${lead}`;
}

/** Who used the least CPU (user + system per run, medians), and how it compares with the next. */
function cpu(ranked: StrategyResult[]): string {
  const st = standing(ranked, (s) => s.cpuMs);
  const { best, close, behind } = st;
  if (close.length === 0) return `${best.id} used the least CPU (${duration(st.value(best))} vs ${duration(st.value(behind[0]))} for ${behind[0].id})`;
  const why = closeness(st);
  const how = behind.length === 0 ? 'about the same CPU' : 'the least CPU';
  const detail = why.reason === 'within noise' ? `within noise: ${why.widest} ${why.detail}` : `${why.detail}: too few runs to tell them apart`;
  return `${list([best, ...close].map((s) => s.id))} used ${how} (${duration(st.value(best))} for ${best.id}; ${detail})`;
}

/** Why the close ones are not called worse than the best: within noise (the widest ratio, as printed) or too few runs. */
function closeness(st: Standing): { reason: 'within noise' | 'too few runs'; detail: string; runs: number; widest: string } {
  const { best, close } = st;
  const fewRuns = close.find((s) => separation(st.rel(s)) === 'too-few-runs');
  if (fewRuns) {
    const runs = Math.min(best.runs, fewRuns.runs);
    return { reason: 'too few runs', detail: runsOf(runs), runs, widest: fewRuns.id };
  }
  const widest = close.reduce((a, b) => (st.rel(b).ratio > st.rel(a).ratio ? b : a));
  const r = st.rel(widest);
  const runs = Math.min(best.runs, widest.runs);
  return { reason: 'within noise', detail: `${r.ratio.toFixed(2)} ± ${r.sd!.toFixed(2)} × ${best.id} at ${runsOf(runs)}`, runs, widest: widest.id };
}

function runsOf(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/** 1.62 -> "1.6x"; 1.046 -> "1.05x" (two decimals below 1.1, where one would round a real gap away). */
function times(ratio: number): string {
  return `${ratio < 1.1 ? ratio.toFixed(2) : ratio.toFixed(1)}x`;
}

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
