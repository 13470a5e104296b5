/**
 * The inline SVG chart of report.html: one row per strategy. Left: median wall time as a bar with min-max
 * whiskers; beside it user + system CPU (stacked) and peak RSS. Plain SVG, no scripts, no external resources.
 */
import type { Comparison, StrategyResult } from '../model.js';
import { byRank, bytes, cpuTotal, duration } from './format.js';
import { separation } from '../stats.js';
import { escapeXml as x } from './escape.js';

const ROW = 34;
const BAR = 18;
const TOP = 46;
const BOTTOM = 34;
const LABEL_W = 150;
// Each panel's plot width leaves room on its right for the value labels (up to ~150 px for the time panel).
const TIME = { x: 160, w: 330 };
const CPU = { x: 690, w: 150 };
const MEM = { x: 930, w: 110 };
export const CHART_WIDTH = 1110;

export function renderChart(c: Comparison): string {
  const rows = byRank(c);
  const height = TOP + rows.length * ROW + BOTTOM;
  const timeScale = niceScale(Math.max(0, ...rows.filter(has).map((r) => r.wallMs.max)), ticksFor(TIME.w));
  const cpuScale = niceScale(Math.max(0, ...rows.filter(has).map(cpuTotal)), ticksFor(CPU.w));
  const MiB = 1024 * 1024;
  // Memory is scaled in MiB so that the axis ticks fall on round numbers.
  const memScale = niceScale(Math.max(0, ...rows.map((r) => (r.peakRssBytes?.median ?? 0) / MiB)), ticksFor(MEM.w));
  const [timeMax, cpuMax, memMax] = [timeScale.max, cpuScale.max, memScale.max];
  const sx = (ms: number) => (timeMax > 0 ? (ms / timeMax) * TIME.w : 0);
  const sc = (ms: number) => (cpuMax > 0 ? (ms / cpuMax) * CPU.w : 0);
  const sm = (b: number) => (memMax > 0 ? (b / MiB / memMax) * MEM.w : 0);
  const axisY = TOP + rows.length * ROW;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">Median wall time per strategy with min-max whiskers, CPU time and peak memory</title>`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3d6d6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c62828" stroke-width="2"/></pattern></defs>`,
    panelTitle(TIME.x, 'Wall time (median, min–max)'),
    panelTitle(CPU.x, 'CPU time (user + system)'),
    panelTitle(MEM.x, 'Peak RSS, MiB (sampled)'),
  );
  out.push(
    axis(TIME.x, TIME.w, timeScale, axisY, tickDuration),
    axis(CPU.x, CPU.w, cpuScale, axisY, tickDuration),
    axis(MEM.x, MEM.w, memScale, axisY, (v) => String(v)),
  );

  // "fastest" only when the runner-up is clearly slower (the separation rule every report sentence follows).
  const runnerUp = rows.find((r) => r.rank === 2);
  const firstNote = !runnerUp || separation(runnerUp.relative!) === 'apart' ? 'fastest' : 'lowest median';
  rows.forEach((r, i) => {
    const y = TOP + i * ROW + (ROW - BAR) / 2;
    const mid = y + BAR / 2;
    const state = r.rank === 1 ? 'fastest' : r.rank === null ? 'flagged' : 'ranked';
    const fill = state === 'fastest' ? '#2e7d32' : state === 'flagged' ? 'url(#hatch)' : '#3b6fb6';
    const label = r.rank === null ? `✗ ${r.id}` : r.id;
    out.push(`<g class="row ${state}" data-strategy="${x(r.id)}">`);
    out.push(`<text class="label" x="${LABEL_W}" y="${mid}" text-anchor="end" dominant-baseline="middle"${r.rank === null ? ' fill="#c62828"' : ''}>${x(label)}</text>`);
    if (has(r)) {
      const w = sx(r.wallMs.median);
      out.push(
        `<rect class="bar time ${state}" data-strategy="${x(r.id)}" x="${TIME.x}" y="${y}" width="${f(w)}" height="${BAR}" fill="${fill}"${state === 'flagged' ? ' stroke="#c62828"' : ''}><title>${x(`${r.id}: median ${duration(r.wallMs.median)}, min ${duration(r.wallMs.min)}, max ${duration(r.wallMs.max)}, ${r.runs} runs`)}</title></rect>`,
      );
      const x1 = TIME.x + sx(r.wallMs.min);
      const x2 = TIME.x + sx(r.wallMs.max);
      out.push(
        `<g class="whisker" stroke="#222" stroke-width="1.5"><line x1="${f(x1)}" y1="${mid}" x2="${f(x2)}" y2="${mid}"/><line x1="${f(x1)}" y1="${mid - 6}" x2="${f(x1)}" y2="${mid + 6}"/><line x1="${f(x2)}" y1="${mid - 6}" x2="${f(x2)}" y2="${mid + 6}"/></g>`,
      );
      const note = r.rank === null ? ` ${r.correctness.status === 'differs' ? 'result differs' : r.correctness.status}` : r.rank === 1 ? ` ${firstNote}` : ` ×${r.relative!.ratio.toFixed(2)}`;
      out.push(`<text class="value" x="${f(Math.max(x2, TIME.x + w) + 8)}" y="${mid}" dominant-baseline="middle">${x(duration(r.wallMs.median) + note)}</text>`);

      const u = sc(r.userMs.median);
      const s = sc(r.systemMs.median);
      out.push(
        `<rect class="bar cpu-user" x="${CPU.x}" y="${y}" width="${f(u)}" height="${BAR}" fill="#8e6bbf"><title>${x(`user CPU ${duration(r.userMs.median)}`)}</title></rect>`,
        `<rect class="bar cpu-system" x="${f(CPU.x + u)}" y="${y}" width="${f(s)}" height="${BAR}" fill="#c9b4e6"><title>${x(`system CPU ${duration(r.systemMs.median)}`)}</title></rect>`,
        `<text class="value" x="${f(CPU.x + u + s + 6)}" y="${mid}" dominant-baseline="middle">${x(duration(cpuTotal(r)))}</text>`,
      );
    } else {
      out.push(`<rect class="bar time failed" data-strategy="${x(r.id)}" x="${TIME.x}" y="${y}" width="0" height="${BAR}"/>`);
      out.push(`<text class="value" x="${TIME.x + 8}" y="${mid}" dominant-baseline="middle" fill="#c62828">no valid runs</text>`);
    }
    const rss = r.peakRssBytes?.median;
    if (rss) {
      out.push(
        `<rect class="bar memory" x="${MEM.x}" y="${y}" width="${f(sm(rss))}" height="${BAR}" fill="#d08b2c"><title>${x(`peak RSS ${bytes(rss)} (median of the runs' sampled peaks)`)}</title></rect>`,
        `<text class="value" x="${f(MEM.x + sm(rss) + 6)}" y="${mid}" dominant-baseline="middle">${x(bytes(rss))}</text>`,
      );
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Axis ticks are round numbers: "2 s", not "2.00 s". */
function tickDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : duration(ms);
}

function has(r: StrategyResult): boolean {
  return r.runs > 0 && Number.isFinite(r.wallMs.median);
}

function panelTitle(x0: number, text: string): string {
  return `<text class="panel-title" x="${x0}" y="20">${x(text)}</text>`;
}

/** Tick intervals that fit a panel: about one labelled tick per 70 px. */
function ticksFor(width: number): number {
  return Math.max(2, Math.floor(width / 70));
}

/** A baseline with ticks and faint grid lines up through the rows. */
function axis(x0: number, w: number, { max, step }: Scale, y: number, label: (v: number) => string): string {
  const parts = [`<g class="axis"><line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#999"/>`];
  if (max > 0) {
    for (let v = 0; v <= max + step / 1000; v += step) {
      const px = x0 + (v / max) * w;
      parts.push(
        `<line x1="${f(px)}" y1="${TOP - 8}" x2="${f(px)}" y2="${y}" stroke="#e4e4e4"/>`,
        `<line x1="${f(px)}" y1="${y}" x2="${f(px)}" y2="${y + 4}" stroke="#999"/>`,
        `<text x="${f(px)}" y="${y + 18}" text-anchor="middle" class="tick">${x(v === 0 ? '0' : label(v))}</text>`,
      );
    }
  }
  parts.push('</g>');
  return parts.join('');
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

export interface Scale {
  /** The axis end: a multiple of step, at or above the largest value. */
  max: number;
  step: number;
}

/** An axis for values up to `max` with at most `ticks` intervals on round numbers. */
export function niceScale(max: number, ticks = 4): Scale {
  if (!(max > 0)) return { max: 0, step: 1 };
  const step = niceStep(max / ticks);
  return { max: Math.ceil(max / step) * step, step };
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
