import { afterEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { endPrestarted, prestart, takePrestarted, type WorkerMode } from '../../../src/engine/runtimes/prestart.js';
import { WORKER_MODES, builtFixture, collect, range } from '../support.js';

const TASK = pathToFileURL(builtFixture('tasks/loaded-tasks-task.js')).href;
/** This module again, as a second copy: the bundled CLI holds one in boot.cjs and another in cli.cjs. */
const SECOND_COPY = new URL('../../../src/engine/runtimes/prestart.ts?second-copy', import.meta.url).href;

afterEach(async () => {
  await endPrestarted('threads');
  await endPrestarted('procs');
});

describe.each(WORKER_MODES)('pre-started %s workers', (mode) => {
  it('are adopted by a pool that runs the task module they preloaded', async () => {
    prestart(mode as 'threads' | 'procs', 2, `${TASK}?run`);
    const { results } = await collect<number, string[]>({ items: range(20), task: `${TASK}?run`, mode, workers: 2 });
    expect(results.every((r) => r.ok && r.value.length === 1 && r.value[0] === `${TASK}?run`)).toBe(true);
    expect(await endPrestarted(mode as WorkerMode)).toBe(0); // both were used
  });

  it('started by a second copy of the module are handed out by the first', async () => {
    const second = (await import(SECOND_COPY)) as { prestart: typeof prestart };
    expect(second.prestart).not.toBe(prestart);
    second.prestart(mode as WorkerMode, 1, `${TASK}?run`);
    const channel = takePrestarted(mode as WorkerMode, `${TASK}?run`);
    expect(channel).toBeDefined();
    await channel!.terminate(0);
  });

  it('that preloaded another task module are not used: the run gets workers holding only its own module', async () => {
    prestart(mode as 'threads' | 'procs', 2, `${TASK}?preloaded`);
    const { results, summary } = await collect<number, string[]>({ items: range(20), task: `${TASK}?run`, mode, workers: 2 });
    expect(summary.failed).toBe(0);
    const held = new Set(results.flatMap((r) => (r.ok ? r.value : [])));
    expect([...held]).toEqual([`${TASK}?run`]);
    expect(await endPrestarted(mode as WorkerMode)).toBe(0); // the wrong ones were ended, not left waiting
  });
});
