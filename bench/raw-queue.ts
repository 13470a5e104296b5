/**
 * The raw queue's ceiling: BullMQ alone on one private Redis, no fanout around it. Items/s from a producer
 * (as the coordinator) through 1, 2 and 4 worker processes running a no-op processor, for several items per
 * job; and Redis memory per queued item (INFO used_memory before and after queueing, no worker attached).
 * These bound what the cluster runtime can reach on this machine; the fanout-level figures are in cluster.ts.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis } from '../fixtures/redis-server.js';
import { parseRedisUrl } from '../src/cluster/redis-url.js';
import { median } from './machine.js';

const WORKER = fileURLToPath(new URL('./raw-queue-worker.js', import.meta.url));
/** A task as the coordinator sends one: an id, the item's place and attempt, and a URL of typical length. */
const task = (i: number) => ({ id: i, index: i, attempt: 1, item: `http://host-${i % 8}.example.test:8080/page/${i}` });
const jobOf = (first: number, size: number) => ({ tasks: Array.from({ length: size }, (_, k) => task(first + k)) });

async function throughput(url: string, workers: number, perJob: number, items: number): Promise<number> {
  const name = `raw-${workers}-${perJob}-${Date.now()}`;
  const children = await Promise.all(Array.from({ length: workers }, () => new Promise<ReturnType<typeof fork>>((resolve, reject) => {
    const child = fork(WORKER, [url, name, '64'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`raw queue worker exited ${code}`)));
  })));
  const connection = new Redis(parseRedisUrl(url));
  const queue = new Queue(name, { connection, skipVersionCheck: true });
  const started = performance.now();
  for (let first = 0; first < items; first += perJob * 500) {
    const jobs = [];
    for (let i = first; i < Math.min(items, first + perJob * 500); i += perJob) {
      jobs.push({ name: 'b', data: jobOf(i, Math.min(perJob, items - i)), opts: { removeOnComplete: true, removeOnFail: true } });
    }
    await queue.addBulk(jobs);
  }
  for (;;) {
    const c = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
    if (c.wait + c.active + c.prioritized + c.delayed === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(children.map((c) => new Promise((resolve) => {
    c.removeAllListeners('exit');
    c.once('exit', resolve);
    c.send('stop');
  })));
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return items / seconds;
}

async function bytesPerItem(url: string, perJob: number, items: number): Promise<number> {
  const redis = new Redis(parseRedisUrl(url));
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const name = `mem-${perJob}`;
  const connection = new Redis(parseRedisUrl(url));
  const queue = new Queue(name, { connection, skipVersionCheck: true });
  await queue.waitUntilReady();
  const before = await used();
  for (let first = 0; first < items; first += perJob * 500) {
    const jobs = [];
    for (let i = first; i < Math.min(items, first + perJob * 500); i += perJob) jobs.push({ name: 'b', data: jobOf(i, perJob), opts: { removeOnComplete: true } });
    await queue.addBulk(jobs);
  }
  const after = await used();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  redis.disconnect();
  return (after - before) / items;
}

export async function benchRawQueue(runs = 3): Promise<string> {
  const redis = await startRedis();
  const out = ['## Raw queue ceiling (BullMQ alone, no fanout)', ''];
  try {
    out.push(`One private Redis ${await serverVersion(redis.url)} on a unix socket; a producer process (as the coordinator) adds jobs with addBulk (500 a call) while N worker processes, each a BullMQ Worker at concurrency 64 with a no-op processor, take them; jobs removed on completion. Items/s from the first add until the queue is empty; median of ${runs}, interleaved.`, '');
    const perJobs = [1, 16, 64];
    const workerCounts = [1, 2, 4];
    const itemsFor = (perJob: number) => (perJob === 1 ? 10_000 : 100_000);
    const samples = new Map<string, number[]>();
    for (let r = 0; r < runs; r++) {
      for (const perJob of perJobs) {
        for (const w of workerCounts) {
          const key = `${perJob}/${w}`;
          samples.set(key, [...(samples.get(key) ?? []), await throughput(redis.socketUrl, w, perJob, itemsFor(perJob))]);
        }
      }
    }
    out.push('| items per job | 1 worker process | 2 | 4 |', '|---:|---:|---:|---:|');
    for (const perJob of perJobs) {
      out.push(`| ${perJob} | ${workerCounts.map((w) => Math.round(median(samples.get(`${perJob}/${w}`)!)).toLocaleString('en')).join(' | ')} |`);
    }
    out.push('', 'Redis memory per queued item (INFO used_memory before and after queueing, no worker; a task is ~110 bytes of JSON):', '');
    out.push('| items per job | items queued | bytes per item |', '|---:|---:|---:|');
    for (const perJob of [1, 16, 64]) {
      const items = perJob === 1 ? 50_000 : 200_000;
      out.push(`| ${perJob} | ${items.toLocaleString('en')} | ${Math.round(await bytesPerItem(redis.socketUrl, perJob, items))} |`);
    }
    out.push('');
  } finally {
    await redis.stop();
  }
  return out.join('\n');
}

async function serverVersion(url: string): Promise<string> {
  const r = new Redis(parseRedisUrl(url));
  const v = /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? '?';
  r.disconnect();
  return v;
}
