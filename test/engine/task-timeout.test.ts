import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/engine/coordinator.js';
import type { SpinItem } from '../../fixtures/tasks/spin-task.js';
import { WORKER_MODES, builtFixture, collect } from './support.js';

const SPIN_TASK = builtFixture('tasks/spin-task.js');
/** Far longer than any test may take: a task that runs this long is stuck. */
const STUCK = 600_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout task timeout '));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(WORKER_MODES)('taskTimeoutMs in %s mode', (mode) => {
  it('turns a task stuck in synchronous code into a TIMEOUT record, replaces its worker and completes the run', async () => {
    const items: SpinItem[] = [{ ms: STUCK }, ...Array.from({ length: 8 }, () => ({ ms: 5 }))];
    const { results, summary } = await collect<SpinItem, number>({ items, task: SPIN_TASK, mode, workers: 2, concurrency: 4, taskTimeoutMs: 1_000 });
    expect(results).toHaveLength(9);
    const stuck = results.find((r) => r.index === 0)!;
    expect(stuck.ok).toBe(false);
    expect(!stuck.ok && stuck.error.code).toBe('TIMEOUT');
    expect(results.filter((r) => r.index > 0).every((r) => r.ok && r.value === 5)).toBe(true);
    expect(summary.timeouts).toBeGreaterThanOrEqual(1);
    expect(summary.crashes).toBe(0);
  }, 60_000);

  it('runs an item that was held up by a stuck neighbour again, without blaming it', async () => {
    // One worker gets both at once: the quick one waits behind the stuck one and is overdue too.
    const { results } = await collect<SpinItem, number>({ items: [{ ms: STUCK }, { ms: 5 }], task: SPIN_TASK, mode, workers: 1, concurrency: 2, taskTimeoutMs: 1_000 });
    expect(results.map((r) => [r.index, r.ok ? 'ok' : r.error.code])).toEqual([[0, 'TIMEOUT'], [1, 'ok']]);
  }, 60_000);

  it('ends the run within cancelGraceMs of a cancel while a worker is stuck in synchronous code', async () => {
    const startedFile = join(dir, `started-${mode}`);
    const controller = new AbortController();
    // Above the 1.5 s allowed for ending the stuck worker, so that waiting out the grace twice would fail the test.
    const graceMs = 2_000;
    const running = run<SpinItem, number>({
      items: [{ ms: STUCK }], task: SPIN_TASK, taskOptions: { startedFile }, mode, workers: 1, signal: controller.signal, cancelGraceMs: graceMs,
    });
    await vi.waitFor(async () => expect(await readFile(startedFile, 'utf8').catch(() => '')).toBe('0\n'), { timeout: 30_000, interval: 10 });
    const abortedAt = performance.now();
    controller.abort();
    const summary = await running;
    // The grace period once, then the stuck worker is ended (not asked to close and waited for as long again).
    expect(performance.now() - abortedAt).toBeLessThan(graceMs + 1_500);
    expect(summary.cancelled).toBe(true);
  }, 60_000);
});

describe('taskTimeoutMs', () => {
  it('is refused when not a number > 0', async () => {
    await expect(run({ items: [], task: SPIN_TASK, taskTimeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
