import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisFixture } from '../../fixtures/redis-server.js';
import { startCookieSite, type CookieSite } from '../../fixtures/cookie-site.js';
import { startWorker, stopWorker, type WorkerProcess } from '../../fixtures/cluster-workers.js';
import { redisKeys, scrapeList, taskDefaults, withoutTimings } from './support.js';

let redis: RedisFixture;
let site: CookieSite;
let dir: string;
let worker: WorkerProcess;

beforeAll(async () => {
  [redis, site] = await Promise.all([startRedis(), startCookieSite()]);
  dir = await mkdtemp(join(tmpdir(), 'fanout cluster cookies '));
  worker = await startWorker(redis.url, ['--threads', '2']);
});
afterAll(async () => {
  await stopWorker(worker);
  await site.close();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cookies through the cluster', () => {
  it('keeps the jar on the coordinator: the same records and the same jar as an async run', async () => {
    const list = ['/login', '/private', '/login-redirect', '/logout', '/private'].map((p) => `${site.url}${p}`);
    const run = async (mode: 'async' | 'cluster') => {
      const jar = join(dir, `${mode}.txt`);
      const records = await scrapeList(dir, list, {
        mode, concurrency: 1, task: { ...taskDefaults, cookies: true }, cookieJar: jar, ...(mode === 'cluster' ? { cluster: { url: redis.url } } : {}),
      });
      return { records: withoutTimings(records), jar: await readFile(jar, 'utf8') };
    };
    const local = await run('async');
    expect(local.records.map((r) => [r.status, r.title])).toEqual([
      [200, 'cookie:'], [200, 'cookie: session=abc'], [200, 'cookie: session=abc; hop=1'], [200, 'cookie: session=abc; hop=1'], [403, 'cookie: hop=1'],
    ]);
    const remote = await run('cluster');
    expect(remote).toEqual(local);
    expect(redisKeys(redis)).toEqual([]);
  });

  it('keeps the cookies of an answer that is retried (503 with Set-Cookie), so the retry on any worker sends them', async () => {
    const [record] = await scrapeList(dir, [`${site.url}/busy`], {
      mode: 'cluster', cluster: { url: redis.url }, task: { ...taskDefaults, cookies: true, retries: 1 },
    });
    expect([record!.status, record!.title, record!.attempts]).toEqual([200, 'cookie: gate=1', 2]);
  });
});
