/** Admission: the per-key and global limits, fairness across keys, the reorder window, RetryLater. */
import { describe, expect, it } from 'vitest';
import { startProbeServer } from '../../fixtures/probe-server.js';
import type { ProbeItem, ProbeResult } from '../../fixtures/tasks/probe-task.js';
import { ALL_MODES, PROBE_TASK, collect, indices, range } from './support.js';

describe.each(ALL_MODES)('admission in %s mode', (mode) => {
  it('never exceeds the per-key limit nor the global concurrency, measured at the server', async () => {
    const server = await startProbeServer({ maxDelayMs: 6 });
    try {
      const items: ProbeItem[] = range(240).map((i) => ({ i, key: `host${i % 4}` }));
      const { results } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 10, perKey: 2, key: (it) => it.key,
      });
      expect(results.filter((r) => r.ok)).toHaveLength(240);
      expect(server.maxActive).toBeLessThanOrEqual(8); // 4 keys x 2, below the global 10
      for (const [, max] of server.maxActiveByKey) expect(max).toBeLessThanOrEqual(2);
      expect(server.maxActive).toBeGreaterThan(1); // the limits were actually exercised
    } finally {
      await server.close();
    }
  });

  it('spaces starts across every key by rate, retries included', async () => {
    const server = await startProbeServer({ maxDelayMs: 1 });
    try {
      // Six keys with a slot each and room for all at once: only the run-wide rate can space them 50 ms apart.
      const items: ProbeItem[] = range(6).map((i) => ({ i, key: `host${i}`, ...(i === 2 ? { action: 'retry-once' as const, retryMs: 0 } : {}) }));
      const runStart = performance.now();
      const { results } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 6, perKey: 1, key: (it) => it.key, rate: 20,
      });
      expect(results.every((r) => r.ok)).toBe(true);
      const arrivals = server.starts.map((s) => s.at - runStart).sort((a, b) => a - b);
      expect(arrivals).toHaveLength(7);
      // The k-th start waits k intervals after the first (less 1 ms of Date.now's rounding each way).
      arrivals.forEach((at, k) => expect(at, `start ${k}`).toBeGreaterThanOrEqual(k * 50 - 2));
    } finally {
      await server.close();
    }
  });

  it('hands what a retried attempt carried (RetryLater carry) to onRetry before the retry, once per retry', async () => {
    const server = await startProbeServer({ maxDelayMs: 1 });
    try {
      const items: ProbeItem[] = range(4).map((i) => ({ i, key: `host${i}`, ...(i % 2 === 1 ? { action: 'retry-once' as const, retryMs: 0 } : {}) }));
      const carried: [number, unknown][] = [];
      const { results } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, key: (it) => it.key,
        onRetry: (item, carry) => carried.push([item.i, carry]),
      });
      expect(results.every((r) => r.ok)).toBe(true);
      expect(carried.sort((a, b) => a[0] - b[0])).toEqual([[1, { i: 1, body: 'ok' }], [3, { i: 3, body: 'ok' }]]);
    } finally {
      await server.close();
    }
  });

  it('never exceeds the global concurrency when items have no key', async () => {
    const server = await startProbeServer({ maxDelayMs: 6 });
    try {
      const items: ProbeItem[] = range(200).map((i) => ({ i }));
      await collect({ items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 5 });
      expect(server.maxActive).toBeLessThanOrEqual(5);
      expect(server.maxActive).toBeGreaterThan(1);
    } finally {
      await server.close();
    }
  });

  it('lets items of other keys go ahead while a saturated key is stuck (no head-of-line blocking)', async () => {
    const server = await startProbeServer();
    try {
      // Item 0 holds key A's only slot; A's other items must wait, B's must all go through meanwhile.
      const items: ProbeItem[] = [{ i: 0, key: 'A', action: 'hang' }];
      for (let i = 1; i <= 60; i++) items.push({ i, key: i % 2 ? 'A' : 'B' });
      const bCount = items.filter((it) => it.key === 'B').length;
      let startedWhileStuck: number[] = [];
      const { results } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 8, perKey: 1, key: (it) => it.key,
        onProgress: (s) => {
          if (s.settled === bCount) {
            startedWhileStuck = [...server.started];
            server.release();
          }
        },
      });
      const aStarted = startedWhileStuck.filter((i) => items[i]!.key === 'A');
      expect(aStarted).toEqual([0]);
      expect(startedWhileStuck.length).toBe(1 + bCount);
      expect(indices(results)).toEqual(range(61));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(server.maxActiveByKey.get('A')).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('keeps memory bounded by the window while the head item is stuck, and completes once it is released', async () => {
    const server = await startProbeServer();
    try {
      const W = 24;
      const items: ProbeItem[] = range(200).map((i) => ({ i, action: i === 0 ? 'hang' : 'ok' }));
      let pulledWhileStuck = -1;
      const { results, summary } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 6, window: W,
        onProgress: (s) => {
          // Everything admitted behind the stuck head has settled: admission must have paused at the window.
          if (s.settled === W - 1 && pulledWhileStuck < 0) {
            pulledWhileStuck = s.pulled;
            server.release();
          }
        },
      });
      expect(pulledWhileStuck).toBe(W);
      expect(summary.maxAhead).toBeLessThanOrEqual(W);
      expect(summary.maxBuffered).toBeLessThan(W);
      expect(summary.maxBuffered).toBe(W - 1);
      expect(indices(results)).toEqual(range(200));
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fails an item that keeps asking to run again with RETRIES_EXHAUSTED after maxRetries', async () => {
    const server = await startProbeServer({ maxDelayMs: 2 });
    try {
      const items: ProbeItem[] = [{ i: 0, key: 'A' }, { i: 1, key: 'A', action: 'retry-always' }, { i: 2, key: 'B' }];
      const { results, summary } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 4, maxRetries: 3, key: (it) => it.key,
      });
      expect(indices(results)).toEqual(range(3));
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect(results[1]).toMatchObject({ attempts: 4, error: { code: 'RETRIES_EXHAUSTED' } });
      expect(summary.retries).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('runs an item again when its task asks with RetryLater, holding back only that key', async () => {
    const server = await startProbeServer({ maxDelayMs: 2 });
    try {
      // Long enough that key B's four one-at-a-time round trips (through a worker thread or process) fit in it
      // on a loaded machine: with 400 ms they were one stall away from overlapping key A's resumption.
      const retryMs = 1500;
      const items: ProbeItem[] = [{ i: 0, key: 'A', action: 'retry-once', retryMs }];
      for (let i = 1; i <= 8; i++) items.push({ i, key: i % 2 ? 'A' : 'B' });
      const { results, summary } = await collect<ProbeItem, ProbeResult>({
        items, task: PROBE_TASK, taskOptions: { url: server.url }, mode, concurrency: 4, perKey: 1, key: (it) => it.key,
      });
      expect(indices(results)).toEqual(range(9));
      expect(results.every((r) => r.ok)).toBe(true);
      const first = results[0]!;
      expect(first.ok && first.value.attempt).toBe(2);
      expect(first.attempts).toBe(2);
      expect(summary.retries).toBe(1);
      // Every later start of key A waited out the pause that began after item 0's first request.
      const firstA = server.starts.find((s) => s.i === 0)!;
      const laterA = server.starts.filter((s) => s.key === 'A' && s !== firstA);
      expect(laterA).toHaveLength(5); // items 1,3,5,7 and item 0's second attempt
      for (const s of laterA) expect(s.at - firstA.at).toBeGreaterThanOrEqual(retryMs - 2);
      // Key B was not held back: its 4 items (one at a time, perKey 1) all started well before key A resumed.
      const bLast = Math.max(...server.starts.filter((s) => s.key === 'B').map((s) => s.at));
      expect(bLast).toBeLessThan(Math.min(...laterA.map((s) => s.at)));
    } finally {
      await server.close();
    }
  });
});
