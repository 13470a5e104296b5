import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { run } from '../../src/engine/coordinator.js';
import { resolveRunOptions } from '../../src/engine/run-settings.js';
import { MODES } from '../../src/engine/runtimes/channel.js';
import { ECHO_TASK } from './support.js';

describe('run() options', () => {
  it('applies the documented defaults when options are left out', () => {
    const s = resolveRunOptions({ items: [], task: ECHO_TASK, mode: 'threads' });
    expect(s).toMatchObject({
      mode: 'threads', workers: availableParallelism(), concurrency: 16, perKey: Infinity, ordered: true, window: 1024,
      maxCrashRetries: 2, maxRetries: 100, cancelGraceMs: 5000, taskTimeoutMs: Infinity,
    });
    expect(resolveRunOptions({ items: [], task: ECHO_TASK, concurrency: 100 })).toMatchObject({ mode: 'async', workers: 1, window: 1600 });
  });

  it('hands the executor the task as a URL string, and no time limit in async mode, where nothing can interrupt a task', () => {
    const url = pathToFileURL(ECHO_TASK);
    expect(resolveRunOptions({ items: [], task: url, taskTimeoutMs: 50 }).executor).toEqual({
      module: url.href, options: undefined, workers: 1, fairShare: 16, taskTimeoutMs: Infinity,
    });
    expect(resolveRunOptions({ items: [], task: ECHO_TASK, mode: 'procs', workers: 3, concurrency: 10, taskTimeoutMs: 50 }).executor)
      .toMatchObject({ workers: 3, fairShare: 4, taskTimeoutMs: 50 });
  });

  it('refuses a mode that is not one of MODES, naming them', async () => {
    const error = await run({ items: [], task: ECHO_TASK, mode: 'fibers' as never }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    for (const mode of MODES) expect((error as Error).message).toContain(mode);
  });

  it('refuses a cancel grace period a timer cannot wait (negative, not a number, or past 2^31-1 ms)', async () => {
    for (const cancelGraceMs of [-1, Number.NaN, 2 ** 31]) {
      await expect(run({ items: [], task: ECHO_TASK, cancelGraceMs })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    }
    await expect(run({ items: [1], task: ECHO_TASK, cancelGraceMs: 0 })).resolves.toMatchObject({ emitted: 1 });
  });
});
