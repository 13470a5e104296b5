import { describe, expect, it } from 'vitest';
import { compareProgress, progressMode } from '../../src/compare/progress.js';
import type { RunContext } from '../../src/compare/runner.js';
import type { Sample } from '../../src/compare/sample.js';
import { expandStrategies } from '../../src/compare/strategy.js';

const [ASYNC] = expandStrategies(['async'], [1]);
const ctx: RunContext = { strategy: ASYNC, round: 0, warmup: false, scratchDir: '' };
const sample = (wallMs: number, error: string | null = null) => ({ strategy: 'async', round: 0, warmup: false, wallMs, error }) as Sample;

function terminal(columns: number) {
  const t = { isTTY: true, columns, text: '', write: (s: string) => ((t.text += s), true) };
  return t;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000; // a safety net; the redraw comes within milliseconds
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}

describe('compare progress', () => {
  it('shows a redrawn line on a terminal unless turned off, and plain lines elsewhere only when asked for', () => {
    const tty = { write: () => true, isTTY: true };
    const pipe = { write: () => true };
    expect([undefined, true, false].map((flag) => progressMode(tty, flag))).toEqual(['line', 'line', 'off']);
    expect([undefined, true, false].map((flag) => progressMode(pipe, flag))).toEqual(['off', 'lines', 'off']);
  });

  it('on a terminal, redraws one line in place with the strategy, run k of n and the time so far, then clears it', async () => {
    let now = 1000;
    const err = terminal(200);
    const p = compareProgress(err, 'line', { runs: 2, warmup: 0, intervalMs: 5, now: () => now });
    now = 3000; // preparation before the first run counts in the elapsed time, not in the run's
    p.onRunStart(ctx, 0, 4);
    expect(err.text).toBe('\r\x1b[K[1/4] async run 1 of 2 · 0.0 s (elapsed 2.0 s)');
    now = 4500;
    await until(() => err.text.endsWith('[1/4] async run 1 of 2 · 1.5 s (elapsed 3.5 s)')); // the clock moves on its own
    p.onRunExit(ctx, 1600);
    expect(err.text).toMatch(/\[1\/4\] async run 1 of 2: 1\.60 s, checking the result \(elapsed 3\.5 s\)$/);
    p.onSample(sample(1600), 1, 4);
    expect(err.text).toMatch(/\[1\/4\] async run 1 of 2: 1\.60 s \(elapsed 3\.5 s\)$/);
    p.stop();
    expect(err.text.endsWith('\r\x1b[K')).toBe(true);
    expect(err.text).not.toContain('\n');
    const written = err.text.length;
    now = 9000;
    await new Promise((r) => setTimeout(r, 30)); // a safety check that the timer is gone, not a synchronization
    expect(err.text.length).toBe(written);
  });

  it('never draws past the terminal width (a wrapped line could not be redrawn in place)', () => {
    const err = terminal(30);
    const p = compareProgress(err, 'line', { runs: 5, warmup: 1, now: () => 0 });
    p.onRunStart({ ...ctx, strategy: expandStrategies(['threads'], [16])[0] }, 11, 34);
    p.stop();
    for (const frame of err.text.split('\r\x1b[K')) expect(frame.length).toBeLessThanOrEqual(29);
    expect(err.text).toContain('[12/34] threads:16 run 1 of');
  });

  it('elsewhere, writes one plain line per run start and end, with a failure on one line', () => {
    let now = 0;
    const lines: string[] = [];
    const p = compareProgress({ write: (s: string) => lines.push(s) }, 'lines', { runs: 1, warmup: 1, now: () => now });
    p.onRunStart({ ...ctx, warmup: true }, 0, 2);
    now = 500;
    p.onSample({ ...sample(480), warmup: true }, 1, 2);
    p.onRunStart(ctx, 1, 2);
    now = 61_500;
    p.onSample(sample(61_000, 'exited with code 3: boom\nsecond line'), 2, 2);
    p.stop();
    expect(lines).toEqual([
      '[1/2] async warm-up 1 of 1 started (elapsed 0.0 s)\n',
      '[1/2] async warm-up 1 of 1 took 480 ms (elapsed 0.5 s)\n',
      '[2/2] async run 1 of 1 started (elapsed 0.5 s)\n',
      '[2/2] async run 1 of 1 failed: exited with code 3: boom second line (elapsed 1m01s)\n',
    ]);
  });
});
