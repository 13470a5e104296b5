/** report.csv: one row per strategy (RFC 4180), in milliseconds and bytes, for spreadsheets and scripts. */
import type { Comparison, StrategyResult } from '../model.js';
import { byRank } from './format.js';

const FIELDS: [string, (r: StrategyResult) => string | number | null | undefined][] = [
  ['strategy', (r) => r.id],
  ['mode', (r) => r.mode],
  ['workers', (r) => r.workers],
  ['rank', (r) => r.rank],
  ['runs', (r) => r.runs],
  ['median_ms', (r) => r.wallMs.median],
  ['mean_ms', (r) => r.wallMs.mean],
  ['sd_ms', (r) => r.wallMs.sd],
  ['min_ms', (r) => r.wallMs.min],
  ['max_ms', (r) => r.wallMs.max],
  ['relative', (r) => r.relative?.ratio],
  ['relative_sd', (r) => r.relative?.sd],
  ['user_ms', (r) => r.userMs.median],
  ['system_ms', (r) => r.systemMs.median],
  ['peak_rss_bytes', (r) => r.peakRssBytes?.median],
  ['items_per_s', (r) => r.itemsPerSec?.median],
  ['bytes_per_s', (r) => r.bytesPerSec?.median],
  ['event_loop_delay_p99_ms', (r) => r.eventLoopDelayP99Ms?.median],
  ['failed', (r) => r.failed],
  ['retries', (r) => r.retries],
  ['result', (r) => r.correctness.status],
  ['result_hash', (r) => r.correctness.hash],
];

export function renderCsv(c: Comparison): string {
  const rows = [FIELDS.map(([name]) => name)];
  for (const r of byRank(c)) rows.push(FIELDS.map(([, get]) => cell(get(r))));
  return rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '';
  return v;
}

function quote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
