import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { startWorker, stopWorker, type WorkerProcess } from '../../fixtures/cluster-workers.js';
import type { ScrapeRecord } from '../../src/jobs/scrape/record.js';
import { redisKeys, scrapeList, withoutTimings, waitFor } from './support.js';

let redis: RedisFixture;
let site: SiteServer;
let dir: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [redis, site] = await Promise.all([startRedis(), startSiteServer({ hosts: 4, latencyMs: 5 })]);
  dir = await mkdtemp(join(tmpdir(), 'fanout cluster-'));
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map(stopWorker));
});
afterAll(async () => {
  await site.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

function urls(n: number, path = 'page'): string[] {
  return Array.from({ length: n }, (_, i) => `${site.urls[i % site.urls.length]}/${path}/${i}`);
}

const byIndex = (records: ScrapeRecord[]) => [...records].sort((a, b) => a.index - b.index);

describe('scrape through the cluster', () => {
  it('writes the same records as an async run, through one worker, and leaves nothing in Redis', async () => {
    workers.push(await startWorker(redis.url));
    const list = [...urls(120), 'not a url', `${site.url}/status/404`, `${site.url}/redirect/2`];
    const local = await scrapeList(dir, list, { mode: 'async' });
    const remote = await scrapeList(dir, list, { mode: 'cluster', cluster: { url: redis.url } });
    expect(withoutTimings(remote)).toEqual(withoutTimings(local));
    expect(redisKeys(redis)).toEqual([]);
  });

  it('holds the per-host limit across three worker processes, counted by the server', async () => {
    workers.push(...(await Promise.all([startWorker(redis.url), startWorker(redis.url, ['--procs', '2']), startWorker(redis.url, ['--threads', '2'])])));
    site.reset();
    const slow = Array.from({ length: 160 }, (_, i) => `${site.urls[i % 4]}/page/${i}?latency=30`);
    const records = await scrapeList(dir, slow, { mode: 'cluster', cluster: { url: redis.url }, concurrency: 64, perHost: 3 });
    expect(records.filter((r) => r.ok)).toHaveLength(160);
    for (const url of site.urls) expect(site.maxConcurrent(new URL(url).host)).toBeLessThanOrEqual(3);
    // Work reached more than one worker: the limit was not kept by only one of them running.
    const served = workers.filter((w) => /serving run/.test(w.stderr()));
    expect(served.length).toBeGreaterThan(1);
    expect(redisKeys(redis)).toEqual([]);
  });

  it('keeps two runs that share one Redis apart', async () => {
    workers.push(await startWorker(redis.url), await startWorker(redis.url));
    const a = urls(80, 'page');
    const b = urls(60, 'page/b');
    const [ra, rb] = await Promise.all([
      scrapeList(dir, a, { mode: 'cluster', cluster: { url: redis.url } }),
      scrapeList(dir, b, { mode: 'cluster', cluster: { url: redis.url } }),
    ]);
    expect(ra.map((r) => r.url)).toEqual(a);
    expect(rb.map((r) => r.url)).toEqual(b);
    expect([...ra, ...rb].every((r) => r.ok)).toBe(true);
    expect(redisKeys(redis)).toEqual([]);
  });

  it('waits for a worker that joins late, saying so, then completes', async () => {
    let counts: number[] = [];
    let joinedLate: Promise<void> | null = null;
    const run = scrapeList(dir, urls(40), {
      mode: 'cluster',
      cluster: {
        url: redis.url,
        onWorkers: (n) => {
          counts.push(n);
        },
      },
      onProgress: () => {},
    });
    // The run is announced and waiting: nothing was fetched yet.
    await waitFor(() => redisKeys(redis).some((k) => k.endsWith(':manifest')));
    site.reset();
    joinedLate = startWorker(redis.url).then((w) => void workers.push(w));
    const records = await run;
    await joinedLate;
    expect(records.filter((r) => r.ok)).toHaveLength(40);
    expect(counts[0]).toBe(1);
    counts = [];
  });

  it('runs every item exactly once when a worker is SIGKILLed mid-run, within the lease', async () => {
    // The doomed worker is alone at first, so it surely holds items when it dies.
    const doomed = await startWorker(redis.url);
    workers.push(doomed);
    site.reset();
    const list = Array.from({ length: 60 }, (_, i) => `${site.urls[i % 4]}/page/${i}?latency=${i < 20 ? 20 : 1500}`);
    const started = performance.now();
    const run = scrapeList(dir, list, { mode: 'cluster', cluster: { url: redis.url, leaseSeconds: 1 }, concurrency: 16 });
    // Killed while the server is answering slow requests it made.
    const open = () => site.log.filter((e) => e.path.includes('latency=1500') && e.end === null).length;
    await waitFor(() => open() >= 8);
    doomed.child.kill('SIGKILL');
    workers.push(await startWorker(redis.url));
    const records = byIndex(await run);
    const elapsed = performance.now() - started;
    expect(records.map((r) => r.index)).toEqual(list.map((_, i) => i));
    expect(records.every((r) => r.ok)).toBe(true);
    // What the dead worker held was asked for again by the other one, yet no record came twice.
    const asked = new Map<string, number>();
    for (const e of site.log) asked.set(e.host + e.path, (asked.get(e.host + e.path) ?? 0) + 1);
    expect([...asked.values()].filter((n) => n > 1).length).toBeGreaterThanOrEqual(8);
    // Three rounds of 1.5 s and a lease of 1 s: far below the 30 s default lease.
    expect(elapsed).toBeLessThan(20_000);
    expect(redisKeys(redis)).toEqual([]);
  });
});

describe('a worker stopped with Ctrl-C', () => {
  it('finishes what it holds and leaves, and the run goes on with the others', async () => {
    const leaving = await startWorker(redis.url);
    workers.push(leaving);
    const list = Array.from({ length: 200 }, (_, i) => `${site.urls[i % 4]}/page/${i}?latency=60`);
    let settled = 0;
    const run = scrapeList(dir, list, {
      mode: 'cluster', cluster: { url: redis.url }, concurrency: 16,
      onProgress: (p) => {
        settled = p.done;
      },
    });
    await waitFor(() => settled >= 20);
    workers.push(await startWorker(redis.url));
    leaving.child.kill('SIGINT');
    expect(await leaving.exited).toEqual({ code: 130, signal: null });
    expect(leaving.stderr()).toMatch(/finishing the jobs held, then leaving/);
    const records = await run;
    expect(records.map((r) => r.index)).toEqual(list.map((_, i) => i));
    expect(records.every((r) => r.ok)).toBe(true);
    expect(redisKeys(redis)).toEqual([]);
  });
});

