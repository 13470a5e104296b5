/** What the cluster tests share: their Redis, site and workers, a scrape through the library, and the keys a Redis still holds. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startWorker, stopWorker, type WorkerProcess } from '../../fixtures/cluster-workers.js';
import { removeTree } from '../../fixtures/tree.js';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startSiteServer, type SiteServer, type SiteServerOptions } from '../../fixtures/site-server.js';
import { scrape, type ScrapeOptions } from '../../src/jobs/scrape/scrape.js';
import type { ScrapeRecord, ScrapeTaskOptions } from '../../src/jobs/scrape/record.js';
import { parseJsonl } from '../helpers/cli.js';
import { until } from '../../fixtures/scrape-options.js';

export interface RedisRig {
  redis: RedisFixture;
  /** A temp folder named `dirPrefix` + random (give the prefix a space), removed after the file. */
  dir: string;
  /** Workers a test started: each is stopped as Ctrl-C does after that test. */
  workers: WorkerProcess[];
  /** Starts a `fanout worker` on this Redis, added to `workers`. */
  startWorker(args?: string[]): Promise<WorkerProcess>;
}

export interface ClusterRig extends RedisRig {
  site: SiteServer;
}

/**
 * Registers a test file's hooks: a private Redis and a temp folder made before its tests, the workers a test
 * started stopped after it, both removed after the file. The fields are set once the file's tests run.
 */
export function redisRig(dirPrefix: string): RedisRig {
  const rig = {
    workers: [] as WorkerProcess[],
    async startWorker(args: string[] = []) {
      const worker = await startWorker(rig.redis.url, args);
      rig.workers.push(worker);
      return worker;
    },
  } as RedisRig;
  beforeAll(async () => {
    [rig.redis, rig.dir] = await Promise.all([startRedis(), mkdtemp(join(tmpdir(), dirPrefix))]);
  });
  afterEach(async () => {
    await Promise.all(rig.workers.splice(0).map(stopWorker));
  });
  afterAll(async () => {
    await rig.redis.stop();
    removeTree(rig.dir); // a copy test's tree may hold entries only their owner may enter
  });
  return rig;
}

/** A redisRig with a site server to scrape, started before the file's tests and closed after them. */
export function clusterRig(dirPrefix: string, siteOptions: SiteServerOptions): ClusterRig {
  const rig = redisRig(dirPrefix) as ClusterRig;
  beforeAll(async () => {
    rig.site = await startSiteServer(siteOptions);
  });
  afterAll(async () => {
    await rig.site.close();
  });
  return rig;
}

export const taskDefaults: ScrapeTaskOptions = {
  timeoutMs: 10_000, connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, retries: 2, backoffMs: 10, maxRetryAfterMs: 60_000,
  maxRedirects: 10, maxBytes: 10 * 2 ** 20, userAgent: 'fanout-test', headers: {}, selectors: [], links: false, saveDir: null,
  connectionsPerOrigin: 4,
};

export async function writeList(dir: string, lines: string[]): Promise<string> {
  const input = join(dir, `list-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(input, lines.join('\n') + '\n');
  return input;
}

export async function scrapeList(dir: string, lines: string[], extra: Partial<ScrapeOptions>): Promise<ScrapeRecord[]> {
  const input = await writeList(dir, lines);
  const output = `${input}.out`;
  await scrape({
    input, output, format: 'jsonl', resume: false, mode: 'async', workers: 1, concurrency: 8, ordered: true, perHost: 4,
    respectRobots: false, task: taskDefaults, ...extra,
  });
  return parseJsonl<ScrapeRecord>(await readFile(output, 'utf8'));
}

/** Every key the Redis holds. */
export function redisKeys(redis: RedisFixture): string[] {
  return execFileSync('redis-cli', ['-s', redis.socket, '--raw', 'keys', '*']).toString().split('\n').filter(Boolean);
}

export function redisTtlMs(redis: RedisFixture, key: string): number {
  return Number(execFileSync('redis-cli', ['-s', redis.socket, '--raw', 'pttl', key]).toString().trim());
}

/** Records without their timings (ms), which differ from run to run. */
export function withoutTimings(records: ScrapeRecord[]): Omit<ScrapeRecord, 'ms'>[] {
  return records.map(({ ms: _ms, ...rest }) => rest);
}

/** `until` with the cluster tests' safety net: runs there cross processes and Redis, so allow 20 s. */
export function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  return until(cond, timeoutMs);
}
