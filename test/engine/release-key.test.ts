import { describe, expect, it } from 'vitest';
import { ALL_MODES, builtFixture, collect } from './support.js';

const RELEASE_TASK = builtFixture('tasks/release-key-task.js');

describe.each(ALL_MODES)('TaskContext.releaseKey in %s mode', (mode) => {
  it("frees the item's per-key slot while the task goes on, and only once", async () => {
    const { results, summary } = await collect<string, string>({
      items: ['first', 'second', 'second'],
      task: RELEASE_TASK,
      mode,
      workers: 1,
      concurrency: 2,
      key: () => 'one-host',
      perKey: 1,
    });
    expect(results.map((r) => (r.ok ? r.value : r.error.code))).toEqual([
      'the second started while the first still ran',
      'second ran',
      'second ran',
    ]);
    expect(summary.failed).toBe(0);
  });
});
