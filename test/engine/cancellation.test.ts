import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startProbeServer, type ProbeServer } from '../../fixtures/probe-server.js';
import type { ProbeItem, ProbeResult } from '../../fixtures/tasks/probe-task.js';
import { run, type Outcome, type RunStats } from '../../src/engine/coordinator.js';
import { ALL_MODES, ECHO_TASK, PROBE_TASK, collect, indices, range } from './support.js';

let probe: ProbeServer;
beforeEach(async () => {
  probe = await startProbeServer({ maxDelayMs: 3 });
});
afterEach(() => probe.close());

describe.each(ALL_MODES)('cancellation in %s mode', (mode) => {
  it('stops admission, aborts in-flight tasks, writes exactly the completed in-order prefix and resolves', async () => {
    const hangs = new Set([50, 51, 52]);
    const items: ProbeItem[] = range(400).map((i) => ({ i, action: hangs.has(i) ? 'hang' : 'ok' }));
    const controller = new AbortController();
    const results: Outcome<ProbeItem, ProbeResult>[] = [];
    let live: Readonly<RunStats> | undefined; // onProgress hands over the run's live counters
    const running = run<ProbeItem, ProbeResult>({
      items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode, workers: 2, concurrency: 8, window: 64,
      signal: controller.signal,
      cancelGraceMs: 60_000, // a task that did not see its signal would hold the run past the test's timeout
      onProgress: (s) => void (live = s),
      onResult: (r) => void results.push(r),
    });
    // Abort once 0..49 are written, items past the hung ones have settled (they wait in the reorder buffer and
    // must not be written) and the server holds all three hung requests. (Settled alone is not enough: on a loaded
    // machine 60 can settle while one of 0..49 is still in flight. And a worker that stalled with a hung item may
    // not have sent its request yet: aborted first, it never reaches the server, which then counts 2 aborted.)
    // The server's count changes without a coordinator event, so this is a condition polled, not an onProgress.
    await vi.waitFor(
      () => {
        expect(live?.emitted).toBe(50);
        expect(live!.settled).toBeGreaterThanOrEqual(60);
        expect(probe.hanging).toBe(3);
      },
      { timeout: 30_000, interval: 5 },
    );
    const pulledAtAbort = live!.pulled;
    controller.abort();
    const summary = await running;
    expect(summary.cancelled).toBe(true);
    expect(indices(results)).toEqual(range(50));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(summary.pulled).toBe(pulledAtAbort);
    expect(Math.max(...probe.started)).toBeLessThan(pulledAtAbort);
    // Each hung request was abandoned by its task, which saw ctx.signal abort.
    // A safety net only: the server sees each socket close soon after, but a loaded machine may take seconds.
    await vi.waitFor(() => expect(probe.aborted).toBe(3), { timeout: 30_000 });
  });

  it('resolves at once without running anything when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { results, summary } = await collect<ProbeItem, ProbeResult>({
      items: range(10).map((i) => ({ i })), task: PROBE_TASK, taskOptions: { url: probe.url }, mode, signal: controller.signal,
    });
    expect(summary.cancelled).toBe(true);
    expect(results).toEqual([]);
    expect(probe.started).toEqual([]);
  });

  it('resolves when cancelled while the input is blocked waiting for its next item', async () => {
    const controller = new AbortController();
    let closed = false;
    async function* stalls() {
      try {
        yield 1;
        yield 2;
        await new Promise(() => {}); // like stdin with nobody typing
      } finally {
        closed = true;
      }
    }
    let emitted = 0;
    const summary = await run({
      items: stalls(), task: ECHO_TASK, mode, workers: 1, signal: controller.signal,
      onResult: () => {
        if (++emitted === 2) setImmediate(() => controller.abort());
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(summary.emitted).toBe(2);
    expect(closed).toBe(false); // the generator is suspended in its await: it cannot run its finally yet
  });

  it('closes the input iterator when cancelled between items', async () => {
    const controller = new AbortController();
    let closed = false;
    function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    await run({
      items: source(), task: ECHO_TASK, mode, workers: 1, window: 32, signal: controller.signal,
      onResult: (r) => {
        if (r.index === 100) controller.abort();
      },
    });
    expect(closed).toBe(true);
  });
});
