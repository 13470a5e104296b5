/** Volume: many tiny tasks, and an input far too long to hold in memory. */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/engine/coordinator.js';
import { ALL_MODES, ECHO_TASK, range } from './support.js';

describe.each(ALL_MODES)('run() in %s mode', (mode) => {
  it('completes 100,000 tiny tasks in order, none lost or duplicated', async () => {
    let next = 0;
    let outOfOrder = 0;
    const summary = await run<number, number>({
      items: range(100_000), task: ECHO_TASK, mode, workers: 2, concurrency: 256,
      onResult: (r) => {
        if (r.index !== next || !r.ok || r.value !== r.index) outOfOrder++;
        next++;
      },
    });
    expect(next).toBe(100_000);
    expect(outOfOrder).toBe(0);
    expect(summary.emitted).toBe(100_000);
    expect(summary.settled).toBe(100_000);
  });

  it('pulls an async input lazily: ten million items are never read ahead of the window', async () => {
    let pulled = 0;
    async function* tenMillion() {
      for (let i = 0; i < 10_000_000; i++) {
        pulled++;
        yield i;
      }
    }
    const controller = new AbortController();
    let emitted = 0;
    const window = 64;
    const concurrency = 16;
    const summary = await run<number, number>({
      items: tenMillion(), task: ECHO_TASK, mode, workers: 2, window, concurrency, signal: controller.signal,
      onResult: () => {
        if (++emitted === 1000) controller.abort();
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(summary.emitted).toBeGreaterThanOrEqual(1000);
    expect(pulled).toBeLessThan(1000 + window + concurrency);
  });
});
