import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineCount, parseJsonl, runCli, startCli } from '../helpers/cli.js';
import { clusterRig, waitFor } from './support.js';

const rig = clusterRig('fanout redis-outage-', { hosts: 2, latencyMs: 0 });

/** Starts a cluster scrape of `n` slow URLs and resolves once `after` records are written. */
async function scrapeUntil(name: string, n: number, after: number, extra: string[]) {
  const list = Array.from({ length: n }, (_, i) => `${rig.site.urls[i % 2]}/page/${i}?latency=40`);
  const input = join(rig.dir, `${name}.txt`);
  const out = join(rig.dir, `${name}.jsonl`);
  await writeFile(input, list.join('\n') + '\n');
  const cli = startCli(['scrape', input, '-o', out, '--cluster', rig.redis.url, '-c', '8', '--per-host', '4', ...extra]);
  let stderr = '';
  cli.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => lineCount(out) >= after);
  return { list, input, out, ...cli, stderr: () => stderr };
}

async function expectCleanPrefixThenResume(run: { list: string[]; input: string; out: string }): Promise<void> {
  const prefix = parseJsonl<{ index: number }>(await readFile(run.out, 'utf8'));
  expect(prefix.length).toBeLessThan(run.list.length);
  expect(prefix.map((r) => r.index)).toEqual(prefix.map((_, i) => i));
  const resumed = await runCli(['scrape', run.input, '-o', run.out, '--resume', '--cluster', rig.redis.url, '-c', '8']);
  expect(resumed.code).toBe(0);
  const records = parseJsonl<{ url: string; ok: boolean }>(await readFile(run.out, 'utf8'));
  expect(records.map((r) => r.url)).toEqual(run.list);
  expect(records.every((r) => r.ok)).toBe(true);
}

describe('fanout scrape --cluster when Redis goes away mid-run', () => {
  it('says it is reconnecting, stops after --reconnect with one REDIS_LOST line and a clean prefix, and --resume completes the file', async () => {
    await rig.startWorker();
    const run = await scrapeUntil('away', 300, 20, ['--reconnect', '2']);
    const killedAt = Date.now();
    await rig.redis.kill();
    const stopped = await run.done;
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1_500);
    expect(stopped.code).toBe(2);
    expect(run.stderr()).toContain('fanout: Redis went away: reconnecting to Redis (2 s left)');
    const last = run.stderr().trim().split('\n').at(-1);
    expect(last).toMatch(/^fanout: REDIS_LOST: Redis at 127\.0\.0\.1:\d+ went away and did not come back within 2 s: .*--resume$/);
    await rig.redis.start();
    await rig.startWorker();
    await expectCleanPrefixThenResume(run);
  });

  it('stops within about --reconnect of losing Redis, not waiting out the cancel grace for tasks that can never report', async () => {
    await rig.startWorker();
    const run = await scrapeUntil('gone', 300, 20, ['--reconnect', '1']);
    const killedAt = Date.now();
    await rig.redis.kill();
    const stopped = await run.done;
    const tookMs = Date.now() - killedAt;
    expect(stopped.code).toBe(2);
    // The 1 s bound, and well under it plus the 5 s cancel grace meant for workers that can still answer.
    expect(tookMs).toBeGreaterThanOrEqual(900);
    expect(tookMs).toBeLessThan(3_500);
    expect(run.stderr().trim().split('\n').at(-1)).toMatch(/^fanout: REDIS_LOST: Redis at 127\.0\.0\.1:\d+ went away and did not come back within 1 s: .*--resume$/);
    // The tasks out on the lost queue are interrupted, as on Ctrl-C: not written, so --resume runs them. Every line
    // ends up with exactly one record, none torn.
    await rig.redis.start();
    await rig.startWorker();
    await expectCleanPrefixThenResume(run);
  });

  it('stops with one line when Redis comes back in time but without the run (restarted without persistence)', async () => {
    await rig.startWorker();
    const run = await scrapeUntil('restarted', 300, 20, []);
    await rig.redis.restart();
    const stopped = await run.done;
    expect(stopped.code).toBe(2);
    expect(run.stderr().trim().split('\n').at(-1)).toBe("fanout: REDIS_LOST: Redis came back without this run's queue (restarted without persistence?): the run stops; start it again with --resume");
    await expectCleanPrefixThenResume(run);
  });
});

describe('fanout worker when Redis goes away', () => {
  it('a worker sent SIGTERM while Redis is down exits promptly', async () => {
    const worker = await rig.startWorker();
    // Mid-run: the worker holds jobs it can no longer report.
    const run = await scrapeUntil('worker-term', 300, 20, []);
    await rig.redis.kill();
    try {
      await worker.said('fanout worker: Redis went away: reconnecting to Redis (30 s left)');
      const sentAt = Date.now();
      worker.child.kill('SIGTERM');
      // Well inside the 30 s bound: the worker does not wait for Redis to leave.
      const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000).unref());
      const exited = await Promise.race([worker.exited, hung]);
      if (exited === 'hung') worker.child.kill('SIGKILL');
      expect(exited).toEqual({ code: 143, signal: null });
      expect(Date.now() - sentAt).toBeLessThan(15_000);
    } finally {
      await rig.redis.start();
      // Back without the run (the fixture keeps no data): the coordinator stops with its own REDIS_LOST line.
      expect((await run.done).code).toBe(2);
    }
  });

  it('a worker sent SIGTERM while Redis is down says it leaves at once, not that it finishes the jobs it holds', async () => {
    const worker = await rig.startWorker();
    await rig.redis.kill();
    try {
      await worker.said('fanout worker: Redis went away: reconnecting to Redis (30 s left)');
      const sentAt = Date.now();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 143, signal: null });
      // Well inside the 30 s bound: it did not wait for Redis.
      expect(Date.now() - sentAt).toBeLessThan(15_000);
      const after = worker.stderr().split('reconnecting to Redis (30 s left)\n')[1]!;
      expect(after).toContain('fanout worker: Redis is away: leaving at once; the jobs held run again elsewhere once their lease lapses\n');
      expect(after).not.toContain('finishing the jobs held');
    } finally {
      await rig.redis.start();
    }
  });

  it('a worker sent SIGTERM while Redis is down prints one line for it: that it leaves at once', async () => {
    const worker = await rig.startWorker();
    await rig.redis.kill();
    try {
      await worker.said('fanout worker: Redis went away: reconnecting to Redis (30 s left)\n');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 143, signal: null });
      const after = worker.stderr().split('reconnecting to Redis (30 s left)\n')[1]!;
      expect(after.split('\n').filter(Boolean)).toEqual(['fanout worker: Redis is away: leaving at once; the jobs held run again elsewhere once their lease lapses']);
    } finally {
      await rig.redis.start();
    }
  });

  it('a worker sent SIGTERM with Redis up prints one line for it: that it finishes the jobs held', async () => {
    const worker = await rig.startWorker();
    const before = worker.stderr().length;
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 143, signal: null });
    expect(worker.stderr().slice(before).split('\n').filter(Boolean)).toEqual(['fanout worker: finishing the jobs held, then leaving (Ctrl-C again to quit at once)']);
  });

  it('a worker whose Redis stays away past --reconnect exits 2 with one REDIS_LOST line', async () => {
    const worker = await rig.startWorker(['--reconnect', '1']);
    await rig.redis.kill();
    try {
      const killedAt = Date.now();
      const { code } = await worker.exited;
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(500);
      expect(code).toBe(2);
      const lines = worker.stderr().trim().split('\n');
      expect(lines.filter((l) => l.includes('reconnecting to Redis'))).toEqual(['fanout worker: Redis went away: reconnecting to Redis (1 s left)']);
      expect(lines.filter((l) => l.includes('REDIS_LOST'))).toHaveLength(1);
      expect(lines.at(-1)).toMatch(/^fanout: REDIS_LOST: Redis at 127\.0\.0\.1:\d+ went away and did not come back within 1 s: this worker stops; start it again once Redis is up$/);
    } finally {
      await rig.redis.start();
    }
  });
});
