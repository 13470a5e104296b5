import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { runCli } from '../helpers/cli.js';

const PASSWORD = 'compare-s3cret';

function processesWith(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(text)) found.push(`${pid}: ${command}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('fanout compare with the cluster mode', () => {
  let redis: RedisFixture;
  let site: SiteServer;
  let dir: string;
  let urls: string;
  beforeAll(async () => {
    [redis, site] = await Promise.all([startRedis({ password: PASSWORD }), startSiteServer({ hosts: 4, latencyMs: 10, log: false })]);
    dir = mkdtempSync(join(tmpdir(), 'fanout compare cluster '));
    urls = join(dir, 'urls.txt');
    writeFileSync(urls, Array.from({ length: 120 }, (_, i) => `${site.urls[i % site.urls.length]}/page/${i}`).join('\n') + '\n');
  });
  afterAll(async () => {
    await Promise.all([redis.stop(), site.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs cluster:2 beside async with 2 local workers: the same records, per-host limits held, workers counted, nothing left behind', async () => {
    site.reset();
    const report = join(dir, 'report');
    const r = await runCli(['compare', 'scrape', urls, '-c', '16', '--per-host', '2', '--modes', 'async,cluster', '--workers', '2',
      '--cluster', redis.url, '--runs', '1', '--warmup', '0', '--report', report, '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const [async, cluster] = json.strategies;
    expect([async.id, cluster.id]).toEqual(['async', 'cluster:2']);
    expect(cluster.correctness.status).toBe('agrees');
    expect(cluster.failed).toBe(0);
    expect(site.maxConcurrent()).toBeLessThanOrEqual(2);
    // The workers did the fetching and parsing: their CPU is in the cluster's figure, beyond the coordinator's own.
    const sample = json.samples.find((x: { strategy: string }) => x.strategy === 'cluster:2');
    const coordinatorMs = sample.job.cpu.userMs + sample.job.cpu.systemMs;
    expect(sample.userMs + sample.systemMs - coordinatorMs).toBeGreaterThan(50);
    expect(json.workload.notes.join(' ')).toContain("N local 'fanout worker' processes");
    // The password is in no report file, and the run left nothing in Redis.
    for (const f of ['report.json', 'report.md', 'report.html', 'report.csv']) expect(readFileSync(join(report, f), 'utf8')).not.toContain(PASSWORD);
    const client = new Redis(redis.url);
    try {
      expect(await client.dbsize()).toBe(0);
    } finally {
      client.disconnect();
    }
    // The workers compare started have all exited (an orphan would have been handed to init: look everywhere).
    expect(processesWith(` worker ${redis.url}`)).toEqual([]);
  });

  it('refuses an unfit Redis with one line before any run', async () => {
    const wrong = redis.url.replace(PASSWORD, 'not-it');
    const r = await runCli(['compare', 'scrape', urls, '--modes', 'async,cluster', '--workers', '1', '--cluster', wrong, '--runs', '1', '--report', join(dir, 'no-report')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^fanout: REDIS_AUTH: Redis at 127\.0\.0\.1:\d+ refused the password/)]);
    expect(r.stderr).not.toContain('not-it');
  });

  it('refuses cluster without --cluster as a usage error', async () => {
    const r = await runCli(['compare', 'scrape', urls, '--modes', 'async,cluster', '--report', join(dir, 'no-report')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("mode 'cluster' needs --cluster URL");
  });
});
