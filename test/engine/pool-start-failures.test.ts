/** Workers that cannot start, and results that cannot come back: the run must say so, not loop or crash. */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/engine/coordinator.js';
import { ALL_MODES, WORKER_MODES, builtFixture, collect, indices, range } from './support.js';

describe.each(ALL_MODES)('workers that cannot start in %s mode', (mode) => {
  it('stop the run with WORKER_START_FAILED when the task module throws at import', async () => {
    await expect(run({ items: range(10), task: builtFixture('tasks/throw-at-import-task.js'), mode, workers: 2 })).rejects.toMatchObject({
      code: 'WORKER_START_FAILED',
      message: expect.stringContaining('broken on purpose'),
    });
  });

  it('stop the run with WORKER_START_FAILED when the task path does not exist', async () => {
    await expect(run({ items: range(10), task: '/nonexistent/task.js', mode, workers: 2 })).rejects.toMatchObject({
      code: 'WORKER_START_FAILED',
      message: expect.stringContaining('/nonexistent/task.js'),
    });
  });

  it('stop the run with WORKER_START_FAILED when the module has no task factory', async () => {
    await expect(run({ items: range(3), task: builtFixture('probe-server.js'), mode, workers: 1 })).rejects.toMatchObject({
      code: 'WORKER_START_FAILED',
      message: expect.stringContaining('BAD_TASK_MODULE'),
    });
  });
});

describe.each(WORKER_MODES)('workers that die while starting in %s mode', (mode) => {
  it('are not respawned in a loop: the run stops with WORKER_START_FAILED', async () => {
    await expect(run({ items: range(10), task: builtFixture('tasks/exit-at-import-task.js'), mode, workers: 2 })).rejects.toMatchObject({
      code: 'WORKER_START_FAILED',
      message: expect.stringContaining('before they are ready'),
    });
  });
});

describe.each(WORKER_MODES)('results that cannot cross the boundary in %s mode', (mode) => {
  it('fail only their own item with RESULT_NOT_CLONEABLE, without killing the worker', async () => {
    const { results, summary } = await collect<number, { item: number }>({
      items: range(40), task: builtFixture('tasks/uncloneable-task.js'), mode, concurrency: 16,
    });
    expect(indices(results)).toEqual(range(40));
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.index)).toEqual(range(8).map((i) => i * 5));
    expect(failed.every((r) => !r.ok && r.error.code === 'RESULT_NOT_CLONEABLE')).toBe(true);
    expect(summary.crashes).toBe(0);
  });
});
