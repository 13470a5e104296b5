import { describe, expect, it } from 'vitest';
import { runStrategies } from '../../src/compare/runner.js';
import { expandStrategies } from '../../src/compare/strategy.js';
import { fakeJob } from './fake-job.js';

const MiB = 1024 * 1024;

describe('runner', () => {
  it('runs warm-ups first, then interleaves the strategies A B C A B C, each in a fresh process', async () => {
    const samples = await runStrategies({
      ...fakeJob('5'),
      strategies: expandStrategies(['async', 'threads', 'procs'], [2]),
      runs: 2,
      warmup: 1,
    });
    expect(samples.map((s) => `${s.warmup ? 'w' : 'r'}${s.round}:${s.strategy}`)).toEqual([
      'w0:async', 'w0:threads:2', 'w0:procs:2',
      'r0:async', 'r0:threads:2', 'r0:procs:2',
      'r1:async', 'r1:threads:2', 'r1:procs:2',
    ]);
    expect(samples.every((s) => s.error === null && s.exitCode === 0 && s.job?.items === 5)).toBe(true);
    expect(samples.map((s) => s.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('measures wall time in the parent, at least the time the job spends', async () => {
    const [s] = await runStrategies({ ...fakeJob('5', '--sleep-ms', '*=300'), strategies: expandStrategies(['async'], []), runs: 1, warmup: 0 });
    expect(s.wallMs).toBeGreaterThanOrEqual(300);
    expect(s.wallMs).toBeGreaterThanOrEqual(s.job!.elapsedMs);
    // itemsPerSec is rounded to 3 decimals from the unrounded wall time: allow that rounding.
    expect(s.itemsPerSec).toBeCloseTo(5 / (s.wallMs / 1000), 2);
  });

  it("counts the CPU and the memory of the job's child processes", async () => {
    const [s] = await runStrategies({
      ...fakeJob('5', '--child-mb', '60', '--child-ms', '400'),
      strategies: expandStrategies(['procs'], [2]),
      runs: 1,
      warmup: 0,
    });
    expect(s.cpuSource).toBe('parent');
    // Two children spin 400 ms of CPU each: that CPU is the job's, though no thread of the job process ran it.
    expect(s.userMs + s.systemMs).toBeGreaterThanOrEqual(780);
    // Two children hold 60 MiB each while they spin: the tree's sampled peak holds both.
    expect(s.rssSampledBytes).toBeGreaterThan(120 * MiB);
    expect(s.peakRssBytes).toBeGreaterThanOrEqual(s.rssSampledBytes!);
  });

  it('records a crashed run with its exit code and stderr, and goes on', async () => {
    const samples = await runStrategies({ ...fakeJob('5', '--crash', 'threads'), strategies: expandStrategies(['async', 'threads'], [1]), runs: 1, warmup: 0 });
    expect(samples[0].error).toBeNull();
    expect(samples[1]).toMatchObject({ strategy: 'threads:1', exitCode: 3, job: null });
    expect(samples[1].error).toMatch(/code 3: fake-job: crashing as asked/);
  });

  it('stops at once with JOB_USAGE when the job refuses its arguments', async () => {
    await expect(
      runStrategies({ ...fakeJob('5', '--refuse'), strategies: expandStrategies(['async', 'threads'], [1]), runs: 3, warmup: 1 }),
    ).rejects.toMatchObject({ code: 'JOB_USAGE', message: expect.stringContaining('--refuse was given') });
  });

  it('stops the running job and starts no other when its signal aborts, and rejects with INTERRUPTED', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const run = runStrategies({
      // threads would sleep a minute: only a stopped job lets this test end in time.
      ...fakeJob('5', '--sleep-ms', 'async=0,threads=60000'),
      strategies: expandStrategies(['async', 'threads', 'procs'], [1]),
      runs: 2,
      warmup: 0,
      signal: controller.signal,
      beforeRun: (ctx) => {
        started.push(ctx.strategy.id);
        if (ctx.strategy.mode === 'threads') setImmediate(() => controller.abort()); // once its job is spawned
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED', message: 'interrupted after 1 of 6 runs' });
    expect(started).toEqual(['async', 'threads:1']);
  }, 20_000);

  it('refuses zero runs and a negative warm-up', async () => {
    const base = { ...fakeJob('1'), strategies: expandStrategies(['async'], []) };
    await expect(runStrategies({ ...base, runs: 0, warmup: 0 })).rejects.toMatchObject({ code: 'BAD_RUNS' });
    await expect(runStrategies({ ...base, runs: 1, warmup: -1 })).rejects.toMatchObject({ code: 'BAD_RUNS' });
  });
});
