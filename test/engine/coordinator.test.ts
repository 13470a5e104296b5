import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/engine/coordinator.js';
import { FanoutError } from '../../src/engine/errors.js';
import type { RunStats } from '../../src/engine/coordinator.js';
import { startProbeServer, type ProbeServer } from '../../fixtures/probe-server.js';
import type { ProbeItem, ProbeResult } from '../../fixtures/tasks/probe-task.js';
import { ALL_MODES, ECHO_TASK, PROBE_TASK, collect, indices, range } from './support.js';

let probe: ProbeServer;
beforeAll(async () => {
  probe = await startProbeServer({ maxDelayMs: 8 });
});
afterAll(() => probe.close());

describe.each(ALL_MODES)('run() in %s mode', (mode) => {
  it('writes results in input order although tasks finish in random order', async () => {
    const items: ProbeItem[] = range(300).map((i) => ({ i }));
    const { results, summary } = await collect<ProbeItem, ProbeResult>({
      items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode, concurrency: 32,
    });
    expect(indices(results)).toEqual(range(300));
    expect(results.every((r) => r.ok && r.value.i === r.index)).toBe(true);
    expect(summary.emitted).toBe(300);
    expect(summary.failed).toBe(0);
    expect(summary.mode).toBe(mode);
  });

  it('gives a failed record with the code and message of the error a task threw', async () => {
    const items: ProbeItem[] = range(10).map((i) => ({ i, action: i === 3 ? 'throw' : 'ok' }));
    const { results, summary } = await collect<ProbeItem, ProbeResult>({ items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode });
    const failed = results[3]!;
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error).toEqual({ name: 'FanoutError', code: 'PROBE_THROWN', message: 'item 3 threw' });
    }
    expect(results.filter((r) => r.ok)).toHaveLength(9);
    expect(summary.failed).toBe(1);
  });

  it('reports live counters through onProgress', async () => {
    const seen: RunStats[] = [];
    await run({ items: range(50), task: ECHO_TASK, mode, workers: 1, onProgress: (s) => void seen.push({ ...s }) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)!.settled).toBe(50);
    expect(seen.every((s) => s.inflight <= 16)).toBe(true);
  });
});

describe('run() options', () => {
  it('rejects a concurrency that is not a whole number >= 1 with INVALID_OPTION', async () => {
    await expect(run({ items: [], task: ECHO_TASK, concurrency: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(run({ items: [], task: ECHO_TASK, window: 1.5 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('emits in completion order when unordered, still each item once', async () => {
    const { results } = await collect<ProbeItem, ProbeResult>({
      items: range(100).map((i) => ({ i })), task: PROBE_TASK, taskOptions: { url: probe.url }, concurrency: 16, ordered: false,
    });
    expect(indices(results).sort((a, b) => a - b)).toEqual(range(100));
  });

  it('fails only the item whose key cannot be computed', async () => {
    const { results } = await collect<number, number>({
      items: range(5), task: ECHO_TASK, key: (i) => {
        if (i === 2) throw new Error('no key for 2');
        return 'k';
      },
    });
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true]);
    expect(!results[2]!.ok && results[2]!.error.code).toBe('INVALID_ITEM');
  });

  it('stops with INPUT_FAILED when the input throws, after writing what came before', async () => {
    function* broken() {
      yield 1;
      yield 2;
      throw new Error('disk gone');
    }
    const written: number[] = [];
    await expect(run({ items: broken(), task: ECHO_TASK, onResult: (r) => void written.push(r.index) })).rejects.toMatchObject({
      code: 'INPUT_FAILED',
    });
    expect(written).toEqual([0, 1].slice(0, written.length));
  });

  it("stops with the input's own error when the input throws one with a fanout code", async () => {
    const refusal = new FanoutError('RESUME_MISMATCH', 'out.jsonl was written for another input');
    function* refusing() {
      yield 1;
      throw refusal;
    }
    await expect(run({ items: refusing(), task: ECHO_TASK })).rejects.toBe(refusal);
  });
});

describe.each(ALL_MODES)('a consumer that fails in %s mode', (mode) => {
  it('stops the run with its own error after the results before it were written', async () => {
    const written: number[] = [];
    const boom = new Error('EPIPE: the reader went away');
    await expect(
      run<number, number>({
        items: range(10_000), task: ECHO_TASK, mode, workers: 1,
        onResult: (r) => {
          if (r.index === 100) throw boom;
          written.push(r.index);
        },
      }),
    ).rejects.toBe(boom);
    expect(written).toEqual(range(100));
  });

  it('is awaited when it returns a promise, so results are handed over one at a time in order', async () => {
    const written: number[] = [];
    let busy = false;
    let overlapped = false;
    await run<number, number>({
      items: range(200), task: ECHO_TASK, mode, workers: 1,
      onResult: async (r) => {
        if (busy) overlapped = true;
        busy = true;
        await new Promise((resolve) => setImmediate(resolve));
        written.push(r.index);
        busy = false;
      },
    });
    expect(overlapped).toBe(false);
    expect(written).toEqual(range(200));
  });
});
