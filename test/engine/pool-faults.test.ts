/**
 * Workers that die. Only 'threads' and 'procs': in 'async' mode the task runs in the caller's own process, so an
 * uncaught exception, process.exit or SIGKILL there ends the caller itself and nothing can retry it.
 * SIGKILL is 'procs' only: a worker thread shares its process, so a signal would kill the coordinator too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProbeServer, type ProbeServer } from '../../fixtures/probe-server.js';
import type { ProbeAction, ProbeItem, ProbeResult } from '../../fixtures/tasks/probe-task.js';
import { PROBE_TASK, WORKER_MODES, collect, indices, range } from './support.js';

let probe: ProbeServer;
beforeAll(async () => {
  probe = await startProbeServer({ maxDelayMs: 4 });
});
afterAll(() => probe.close());

const KILLS: [string, 'exit' | 'uncaught' | 'sigkill'][] = [
  ['threads', 'exit'],
  ['threads', 'uncaught'],
  ['procs', 'exit'],
  ['procs', 'uncaught'],
  ['procs', 'sigkill'],
];

/** Distinct item numbers per test, since the probe server remembers which items already crashed once. */
let base = 0;

describe.each(KILLS)('a %s worker killed by %s', (mode, how) => {
  it('is replaced, and the item that killed it once is retried and succeeds, the others unaffected', async () => {
    const from = (base += 1000);
    const items: ProbeItem[] = range(40, from).map((i) => ({ i, action: i === from + 7 ? (`${how}-once` as ProbeAction) : 'ok' }));
    const { results, summary } = await collect<ProbeItem, ProbeResult>({
      items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode: mode as 'threads', concurrency: 8,
    });
    expect(indices(results)).toEqual(range(40));
    expect(results.every((r) => r.ok)).toBe(true);
    const killer = results[7]!;
    expect(killer.ok && killer.value.survived).toBe(true);
    expect(killer.attempts).toBe(2);
    expect(summary.crashes).toBeGreaterThanOrEqual(1);
  });

  it('ends as a WORKER_CRASHED record after maxCrashRetries when it always kills its worker, the others unaffected', async () => {
    const from = (base += 1000);
    const items: ProbeItem[] = range(40, from).map((i) => ({ i, action: i === from + 7 ? how : 'ok' }));
    const { results, summary } = await collect<ProbeItem, ProbeResult>({
      items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode: mode as 'threads', concurrency: 8, maxCrashRetries: 1,
    });
    expect(indices(results)).toEqual(range(40));
    const killer = results[7]!;
    expect(killer.ok).toBe(false);
    if (!killer.ok) {
      expect(killer.error.code).toBe('WORKER_CRASHED');
      expect(killer.attempts).toBeGreaterThan(1);
    }
    expect(results.filter((r) => r.ok)).toHaveLength(39);
    expect(summary.failed).toBe(1);
  });
});

describe.each(WORKER_MODES)('crashes in %s mode', (mode) => {
  it('blames only the item that kills, even when many items shared its worker every time', async () => {
    const from = (base += 1000);
    // One worker, so every innocent item in flight dies with the killer each time it is tried.
    const items: ProbeItem[] = range(30, from).map((i) => ({ i, action: i === from + 3 ? 'exit' : 'ok' }));
    const { results } = await collect<ProbeItem, ProbeResult>({
      items, task: PROBE_TASK, taskOptions: { url: probe.url }, mode, workers: 1, concurrency: 12, maxCrashRetries: 1,
    });
    expect(indices(results)).toEqual(range(30));
    expect(results.filter((r) => !r.ok).map((r) => r.index)).toEqual([3]);
  });
});
