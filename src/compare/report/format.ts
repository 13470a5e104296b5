/** How numbers read in every report: one place, so the terminal, Markdown and HTML agree. */
import type { Comparison, StrategyResult } from '../model.js';
import { separation, type Summary } from '../stats.js';

/** A number a report can show; anything else (missing, NaN, infinite) reads as a dash. */
function shown(n: number | null | undefined): n is number {
  return n !== null && n !== undefined && Number.isFinite(n);
}

export function duration(ms: number | null | undefined): string {
  if (!shown(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function bytes(n: number | null | undefined): string {
  if (!shown(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
}

/** A count per second, without the unit (the column header carries it): 25.6, 12.3k, 1.20M. */
export function perSecond(n: number | null | undefined): string {
  if (!shown(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function byteRate(n: number | null | undefined): string {
  return shown(n) ? `${bytes(n)}/s` : '—';
}

export function meanSd(s: Summary): string {
  if (!Number.isFinite(s.mean)) return '—';
  return s.sd === null ? duration(s.mean) : `${duration(s.mean)} ± ${duration(s.sd)}`;
}

export function range(s: Summary): string {
  return Number.isFinite(s.min) ? `${duration(s.min)} … ${duration(s.max)}` : '—';
}

export function relative(r: StrategyResult): string {
  if (!r.relative) return '—';
  if (r.rank === 1) return '1.00';
  return r.relative.sd === null ? r.relative.ratio.toFixed(2) : `${r.relative.ratio.toFixed(2)} ± ${r.relative.sd.toFixed(2)}`;
}

/** The result column: whether the strategy passed the correctness gate. */
export function verdict(r: StrategyResult): string {
  switch (r.correctness.status) {
    case 'agrees':
      return 'same';
    case 'differs':
      return 'DIFFERS';
    case 'unstable':
      return 'UNSTABLE';
    case 'failed':
      return 'FAILED';
    case 'no-majority':
      return 'NO MAJORITY';
  }
}

/** Ranked strategies fastest first, then the flagged ones in the order given. */
export function byRank(c: Comparison): StrategyResult[] {
  const ranked = c.strategies.filter((s) => s.rank !== null).sort((a, b) => a.rank! - b.rank!);
  return [...ranked, ...c.strategies.filter((s) => s.rank === null)];
}

/**
 * The one-sentence conclusion every report leads with. It calls the fastest faster than the runner-up only when
 * the stats module's separation rule allows it (the same rule as the takeaway and the WITHIN_NOISE warning).
 */
export function headline(c: Comparison): string {
  const order = byRank(c);
  const best = order[0];
  if (!best || best.rank === null) return 'No strategy could be ranked: see the warnings.';
  const next = order[1];
  if (!next || next.rank === null) return `${best.id} is the only strategy ranked (median ${duration(best.wallMs.median)}).`;
  switch (separation(next.relative!)) {
    case 'apart':
      return `${best.id} is fastest (median ${duration(best.wallMs.median)}), ${relative(next)} × faster than ${next.id}.`;
    case 'within-noise':
      return `No clear winner: ${best.id} has the lowest median (${duration(best.wallMs.median)}), but ${next.id} is within noise of it (${relative(next)} ×).`;
    case 'too-few-runs':
      return `${best.id} has the lowest median (${duration(best.wallMs.median)} vs ${duration(next.wallMs.median)} for ${next.id}), but one run is too few runs to tell them apart.`;
  }
}

/** User + system CPU, the medians the table prints, stacked (the chart). */
export function cpuTotal(r: StrategyResult): number {
  return r.userMs.median + r.systemMs.median;
}

export interface Column {
  header: string;
  /** Right-align (numbers). */
  right: boolean;
  value: (r: StrategyResult) => string;
}

/** The summary table's columns, shared by the terminal, Markdown and HTML tables. */
export const COLUMNS: Column[] = [
  { header: 'Strategy', right: false, value: (r) => r.id },
  { header: 'Median', right: true, value: (r) => duration(r.wallMs.median) },
  { header: 'Mean ± σ', right: true, value: (r) => meanSd(r.wallMs) },
  { header: 'Min … Max', right: true, value: (r) => range(r.wallMs) },
  { header: 'Relative', right: true, value: relative },
  { header: 'Par. eff.', right: true, value: (r) => (r.parallelEfficiency === null ? '—' : `${Math.round(r.parallelEfficiency * 100)} %`) },
  { header: 'User CPU', right: true, value: (r) => duration(r.userMs.median) },
  { header: 'Sys CPU', right: true, value: (r) => duration(r.systemMs.median) },
  { header: 'Peak RSS', right: true, value: (r) => bytes(r.peakRssBytes?.median) },
  { header: 'Items/s', right: true, value: (r) => perSecond(r.itemsPerSec?.median) },
  { header: 'Loop p99', right: true, value: (r) => duration(r.eventLoopDelayP99Ms?.median) },
  { header: 'Failed', right: true, value: (r) => (r.failed === null ? '—' : String(r.failed)) },
  { header: 'Result', right: false, value: verdict },
];

export function environmentLines(c: Comparison): [string, string][] {
  const e = c.environment;
  return [
    ['fanout', `${e.fanoutVersion}${e.gitCommit ? ` (${e.gitCommit.slice(0, 12)}${e.gitCommit.endsWith('+dirty') ? '+dirty' : ''})` : ''}`],
    ['Node', e.node],
    ['CPU', `${e.cpuModel}, ${e.cores} cores`],
    ['Memory', bytes(e.memoryBytes)],
    ['OS', e.os],
    ['Date', e.date],
    ['Load average', String(e.loadAverage)],
  ];
}

export function workloadLine(c: Comparison): string {
  const w = c.workload;
  const size = [w.items !== null ? `${w.items} items` : '', w.bytes ? bytes(w.bytes) : ''].filter(Boolean).join(', ');
  return `${w.description}${size ? ` (${size} per run)` : ''}`;
}

export function methodLine(c: Comparison): string {
  const m = c.method;
  const rss = m.rssSampleIntervalMs
    ? `peak RSS is the sum over the job's process tree, sampled every ${m.rssSampleIntervalMs} ms (short peaks can be missed)`
    : 'peak RSS is the job process\'s own (the process tree could not be sampled here)';
  const cpu = m.cpuSource === 'parent' ? 'CPU is counted by compare for the job and every process it waited for' : "CPU is the job's own report";
  return `${c.workload.runs} measured run(s) and ${c.workload.warmup} warm-up(s) per strategy, each in a fresh process, interleaved across strategies; times are wall time from spawn to exit; ${cpu}; ${rss}; strategies are ranked by median wall time.`;
}
