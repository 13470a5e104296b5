import { describe, expect, it } from 'vitest';
import type { WireTask } from '../../src/engine/protocol.js';
import { turnJobs, type OutgoingTask } from '../../src/cluster/job-batches.js';

const tasks = (n: number, alone = false): OutgoingTask[] => Array.from({ length: n }, (_, id) => ({ task: { id } as WireTask, alone }));
const sizes = (list: OutgoingTask[], workers: number) => turnJobs(list, workers).map((j) => j.tasks.length);

describe('a turn packed into jobs', () => {
  it('spreads a turn over two jobs per worker, but gives no job fewer than 8 tasks', () => {
    expect(sizes(tasks(64), 4)).toEqual([8, 8, 8, 8, 8, 8, 8, 8]);
    expect(sizes(tasks(20), 4)).toEqual([7, 7, 6]);
    expect(sizes(tasks(5), 4)).toEqual([5]);
    expect(sizes(tasks(40), 0)).toEqual([20, 20]);
  });

  it('puts at most 64 tasks in a job, and keeps every task once, in order', () => {
    const jobs = turnJobs(tasks(1000), 1);
    expect(Math.max(...jobs.map((j) => j.tasks.length))).toBeLessThanOrEqual(64);
    expect(jobs.flatMap((j) => j.tasks.map((t) => t.id))).toEqual([...Array(1000).keys()]);
  });

  it('sends a task that must run alone in a job of its own, marked so', () => {
    const jobs = turnJobs([...tasks(2, true), ...tasks(3)], 1);
    expect(jobs.map((j) => ({ n: j.tasks.length, alone: j.alone === true }))).toEqual([{ n: 1, alone: true }, { n: 1, alone: true }, { n: 3, alone: false }]);
  });
});
