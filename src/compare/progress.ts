/**
 * What a comparison shows on stderr while it runs: the strategy, run k of n, how long the run has taken so far and
 * the time elapsed since the comparison began. On a terminal, one line redrawn in place a few times a second;
 * elsewhere (a log, CI; with --progress), one plain line when a run starts and one when it ends, no carriage returns.
 */
import { performance } from 'node:perf_hooks';
import { duration } from './report/format.js';
import type { RunContext } from './runner.js';
import type { Sample } from './sample.js';

export type ProgressMode = 'line' | 'lines' | 'off';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CompareProgress {
  onRunStart(ctx: RunContext, done: number, total: number): void;
  onRunExit(ctx: RunContext, wallMs: number): void;
  onSample(sample: Sample, done: number, total: number): void;
  /** Stops redrawing and clears the line (on a terminal). */
  stop(): void;
}

export interface ProgressOptions {
  runs: number;
  warmup: number;
  /** Redraw period on a terminal. Default: 250 ms. */
  intervalMs?: number;
  /** Milliseconds, for tests. Default: performance.now. */
  now?: () => number;
}

/**
 * As scrape's and copy's --progress: shown on a terminal unless turned off, elsewhere only when asked for (a piped
 * stderr stays quiet); asked for off a terminal, it is plain lines, which a log can keep.
 */
export function progressMode(stream: ProgressStream, flag: boolean | undefined): ProgressMode {
  if (flag === false) return 'off';
  if (stream.isTTY) return 'line';
  return flag ? 'lines' : 'off';
}

export function compareProgress(stream: ProgressStream, mode: ProgressMode, o: ProgressOptions): CompareProgress {
  const now = o.now ?? (() => performance.now());
  const began = now();
  const label = (done: number, total: number, strategy: string, warmup: boolean, round: number) =>
    `[${done + 1}/${total}] ${strategy} ${warmup ? `warm-up ${round + 1} of ${o.warmup}` : `run ${round + 1} of ${o.runs}`}`;
  const since = () => `(elapsed ${elapsed(now() - began)})`;

  if (mode === 'off') return { onRunStart() {}, onRunExit() {}, onSample() {}, stop() {} };
  if (mode === 'lines') {
    return {
      onRunStart: (ctx, done, total) => stream.write(`${label(done, total, ctx.strategy.id, ctx.warmup, ctx.round)} started ${since()}\n`),
      onRunExit() {},
      onSample: (s, done, total) => {
        const what = s.error ? `failed: ${s.error.replace(/\s*\n\s*/g, ' ')}` : `took ${duration(s.wallMs)}`;
        stream.write(`${label(done - 1, total, s.strategy, s.warmup, s.round)} ${what} ${since()}\n`);
      },
      stop() {},
    };
  }

  // On a terminal: the current run's state, redrawn (the clock moves even while nothing else does).
  let run: { name: string; startedAt: number; exitMs?: number; outcome?: string } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const render = () => {
    if (!run) return '';
    const state =
      run.outcome !== undefined
        ? `: ${run.outcome}`
        : run.exitMs !== undefined
          ? `: ${duration(run.exitMs)}, checking the result`
          : ` · ${elapsed(now() - run.startedAt)}`;
    return `${run.name}${state} ${since()}`;
  };
  const draw = () => {
    const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : Infinity;
    const text = render();
    stream.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
  };
  return {
    onRunStart(ctx, done, total) {
      run = { name: label(done, total, ctx.strategy.id, ctx.warmup, ctx.round), startedAt: now() };
      timer ??= setInterval(draw, o.intervalMs ?? 250).unref();
      draw();
    },
    onRunExit(_ctx, wallMs) {
      if (run) run.exitMs = wallMs;
      draw();
    },
    onSample(s) {
      if (run) run.outcome = s.error ? 'failed' : duration(s.wallMs);
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (run) stream.write('\r\x1b[K');
      run = undefined;
    },
  };
}

/** 0.4 s, 59.9 s, then 1m05s: a clock, so a steady width (run times once known read as the report does). */
function elapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
