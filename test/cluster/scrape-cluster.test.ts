import { describe, expect, it } from 'vitest';
import type { ScrapeRecord } from '../../src/jobs/scrape/record.js';
import { clusterRig, redisKeys, scrapeList, withoutTimings, waitFor } from './support.js';

const rig = clusterRig('fanout cluster-', { hosts: 4, latencyMs: 5 });

function urls(n: number, path = 'page'): string[] {
  return Array.from({ length: n }, (_, i) => `${rig.site.urls[i % rig.site.urls.length]}/${path}/${i}`);
}

const byIndex = (records: ScrapeRecord[]) => [...records].sort((a, b) => a.index - b.index);

describe('scrape through the cluster', () => {
  it('writes the same records as an async run, through one worker, and leaves nothing in Redis', async () => {
    await rig.startWorker();
    const list = [...urls(120), 'not a url', `${rig.site.url}/status/404`, `${rig.site.url}/redirect/2`];
    const local = await scrapeList(rig.dir, list, { mode: 'async' });
    const remote = await scrapeList(rig.dir, list, { mode: 'cluster', cluster: { url: rig.redis.url } });
    expect(withoutTimings(remote)).toEqual(withoutTimings(local));
    expect(redisKeys(rig.redis)).toEqual([]);
  });

  it('holds the per-host limit across three worker processes, counted by the server', async () => {
    await Promise.all([rig.startWorker(), rig.startWorker(['--procs', '2']), rig.startWorker(['--threads', '2'])]);
    rig.site.reset();
    const slow = Array.from({ length: 160 }, (_, i) => `${rig.site.urls[i % 4]}/page/${i}?latency=30`);
    const records = await scrapeList(rig.dir, slow, { mode: 'cluster', cluster: { url: rig.redis.url }, concurrency: 64, perHost: 3 });
    expect(records.filter((r) => r.ok)).toHaveLength(160);
    for (const url of rig.site.urls) expect(rig.site.maxConcurrent(new URL(url).host)).toBeLessThanOrEqual(3);
    // Work reached more than one worker: the limit was not kept by only one of them running.
    const served = rig.workers.filter((w) => /serving run/.test(w.stderr()));
    expect(served.length).toBeGreaterThan(1);
    expect(redisKeys(rig.redis)).toEqual([]);
  });

  it('keeps two runs that share one Redis apart', async () => {
    await rig.startWorker();
    await rig.startWorker();
    const a = urls(80, 'page');
    const b = urls(60, 'page/b');
    const [ra, rb] = await Promise.all([
      scrapeList(rig.dir, a, { mode: 'cluster', cluster: { url: rig.redis.url } }),
      scrapeList(rig.dir, b, { mode: 'cluster', cluster: { url: rig.redis.url } }),
    ]);
    expect(ra.map((r) => r.url)).toEqual(a);
    expect(rb.map((r) => r.url)).toEqual(b);
    expect([...ra, ...rb].every((r) => r.ok)).toBe(true);
    expect(redisKeys(rig.redis)).toEqual([]);
  });

  it('waits for a worker that joins late, saying so, then completes', async () => {
    let counts: number[] = [];
    let joinedLate: Promise<void> | null = null;
    const run = scrapeList(rig.dir, urls(40), {
      mode: 'cluster',
      cluster: {
        url: rig.redis.url,
        onWorkers: (n) => {
          counts.push(n);
        },
      },
      onProgress: () => {},
    });
    // The run is announced and waiting: nothing was fetched yet.
    await waitFor(() => redisKeys(rig.redis).some((k) => k.endsWith(':manifest')));
    rig.site.reset();
    joinedLate = rig.startWorker().then(() => {});
    const records = await run;
    await joinedLate;
    expect(records.filter((r) => r.ok)).toHaveLength(40);
    expect(counts[0]).toBe(1);
    counts = [];
  });

  it('runs every item exactly once when a worker is SIGKILLed mid-run, within the lease', async () => {
    // The doomed worker is alone at first, so it surely holds items when it dies.
    const doomed = await rig.startWorker();
    rig.site.reset();
    const list = Array.from({ length: 60 }, (_, i) => `${rig.site.urls[i % 4]}/page/${i}?latency=${i < 20 ? 20 : 1500}`);
    const started = performance.now();
    const run = scrapeList(rig.dir, list, { mode: 'cluster', cluster: { url: rig.redis.url, leaseSeconds: 1 }, concurrency: 16 });
    // Killed while the server is answering slow requests it made.
    const open = () => rig.site.log.filter((e) => e.path.includes('latency=1500') && e.end === null).length;
    await waitFor(() => open() >= 8);
    doomed.child.kill('SIGKILL');
    await rig.startWorker();
    const records = byIndex(await run);
    const elapsed = performance.now() - started;
    expect(records.map((r) => r.index)).toEqual(list.map((_, i) => i));
    expect(records.every((r) => r.ok)).toBe(true);
    // What the dead worker held was asked for again by the other one, yet no record came twice.
    const asked = new Map<string, number>();
    for (const e of rig.site.log) asked.set(e.host + e.path, (asked.get(e.host + e.path) ?? 0) + 1);
    expect([...asked.values()].filter((n) => n > 1).length).toBeGreaterThanOrEqual(8);
    // Three rounds of 1.5 s and a lease of 1 s: far below the 30 s default lease.
    expect(elapsed).toBeLessThan(20_000);
    expect(redisKeys(rig.redis)).toEqual([]);
  });
});

describe('a worker stopped with Ctrl-C', () => {
  it('finishes what it holds and leaves, and the run goes on with the others', async () => {
    const leaving = await rig.startWorker();
    const list = Array.from({ length: 200 }, (_, i) => `${rig.site.urls[i % 4]}/page/${i}?latency=60`);
    let settled = 0;
    const run = scrapeList(rig.dir, list, {
      mode: 'cluster', cluster: { url: rig.redis.url }, concurrency: 16,
      onProgress: (p) => {
        settled = p.done;
      },
    });
    await waitFor(() => settled >= 20);
    await rig.startWorker();
    leaving.child.kill('SIGINT');
    expect(await leaving.exited).toEqual({ code: 130, signal: null });
    expect(leaving.stderr()).toMatch(/finishing the jobs held, then leaving/);
    const records = await run;
    expect(records.map((r) => r.index)).toEqual(list.map((_, i) => i));
    expect(records.every((r) => r.ok)).toBe(true);
    expect(redisKeys(rig.redis)).toEqual([]);
  });
});

