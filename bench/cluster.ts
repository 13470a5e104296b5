/**
 * The cluster benchmarks (issue 12), on one private Redis with local `fanout worker` processes started before
 * each run (untimed), interleaved with the local modes: latency-bound and throughput-bound scrapes on the
 * fixture site, the cluster's own no-op ceiling through 1, 2 and 4 workers, Redis memory during a run, and the
 * raw BullMQ ceiling beneath it (bench/raw-queue.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, type RedisFixture } from '../fixtures/redis-server.js';
import { startSiteServer, type SiteServer } from '../fixtures/site-server.js';
import { startLocalWorkers, type LocalWorkers } from '../src/compare/local-workers.js';
import { median } from './machine.js';
import { benchRawQueue } from './raw-queue.js';

const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const NOOP = fileURLToPath(new URL('./cluster-noop.js', import.meta.url));
const ECHO = fileURLToPath(new URL('../fixtures/tasks/echo-task.js', import.meta.url));
const WORKERS = 2;

interface Strategy {
  name: string;
  flags: (url: string) => string[];
  /** Local `fanout worker` processes to start before each run. */
  workers?: number;
}

const STRATEGIES: Strategy[] = [
  { name: 'async', flags: () => [] },
  { name: 'procs 2', flags: () => ['--procs', '2'] },
  { name: `cluster, ${WORKERS} local workers (async)`, flags: (url) => ['--cluster', url], workers: WORKERS },
];

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function exec(args: string[], capture = false): Promise<{ ms: number; code: number | null; stdout: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'inherit'] });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout }));
  });
}

async function withWorkers<T>(url: string, count: number | undefined, f: () => Promise<T>, workerArgs: string[] = []): Promise<T> {
  let workers: LocalWorkers | undefined;
  if (count) workers = await startLocalWorkers(process.execPath, [BIN], url, count, process.env, workerArgs);
  try {
    return await f();
  } finally {
    await workers?.stop();
  }
}

/** Peak Redis used_memory above its level before `f`, sampled every 50 ms. */
async function redisPeak<T>(url: string, f: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  const client = new Redis(url);
  const used = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
  const base = await used();
  let peak = base;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      peak = Math.max(peak, await used());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await f();
    return { result, peakBytes: peak - base };
  } finally {
    sampling = false;
    await loop;
    client.disconnect();
  }
}

async function scrapeSection(redis: RedisFixture, dir: string, runs: number, title: string, site: SiteServer, n: number, flags: string[], target: (ms: Map<string, number>) => string): Promise<string[]> {
  const list = join(dir, `list-${n}.txt`);
  await writeFile(list, Array.from({ length: n }, (_, i) => `${site.urls[i % site.urls.length]}/page/${i}`).join('\n') + '\n');
  const times = new Map<string, number[]>();
  const perHost = new Map<string, number>();
  let redisBytes = 0;
  for (let r = 0; r < runs; r++) {
    for (const st of STRATEGIES) {
      site.reset();
      const summary = join(dir, 'summary.json');
      const go = () => exec([BIN, 'scrape', list, '-o', '/dev/null', '--quiet', '--summary-json', summary, ...flags, ...st.flags(redis.url)]);
      const { result: t, peakBytes } = await withWorkers(redis.url, st.workers, () => (st.workers ? redisPeak(redis.url, go) : go().then((result) => ({ result, peakBytes: 0 }))));
      if (t.code !== 0) throw new Error(`${st.name} exited with ${t.code}`);
      const json = JSON.parse(await readFile(summary, 'utf8')) as { failed: number };
      if (json.failed > 0) throw new Error(`${st.name}: ${json.failed} URLs failed`);
      times.set(st.name, [...(times.get(st.name) ?? []), t.ms]);
      perHost.set(st.name, Math.max(perHost.get(st.name) ?? 0, site.maxConcurrent()));
      redisBytes = Math.max(redisBytes, peakBytes);
    }
  }
  const medians = new Map([...times].map(([k, v]) => [k, median(v)]));
  const base = medians.get('async')!;
  const out = [`${title}; median of ${runs}, interleaved.`, '', '| strategy | wall | vs async | max concurrent requests on one host (server-side) |', '|---|---|---|---|'];
  for (const st of STRATEGIES) out.push(`| fanout ${st.name} | ${s(medians.get(st.name)!)} | ${(medians.get(st.name)! / base).toFixed(2)}x | ${perHost.get(st.name)} |`);
  out.push('', `${target(medians)} Redis memory during the cluster runs: at most ${(redisBytes / 2 ** 20).toFixed(1)} MiB above idle.`, '');
  return out;
}

async function noopCeiling(redis: RedisFixture, runs: number): Promise<string[]> {
  const items = 50_000;
  const counts = [1, 2, 4];
  const rates = new Map<number, number[]>();
  for (let r = 0; r < runs; r++) {
    for (const n of counts) {
      const t = await withWorkers(redis.url, n, () => exec([NOOP, redis.url, String(items), '1024'], true), ['--task', ECHO]);
      if (t.code !== 0) throw new Error(`no-op cluster run exited with ${t.code}`);
      rates.set(n, [...(rates.get(n) ?? []), (JSON.parse(t.stdout) as { itemsPerSec: number }).itemsPerSec]);
    }
  }
  return [
    `No-op ceiling through the cluster: ${items.toLocaleString('en')} echo tasks, run({ mode: 'cluster', concurrency: 1024, ordered: false }) in one coordinator process, N \`fanout worker --task echo-task.js\` processes (async); items/s over the whole run (start-up and clean-up included); median of ${runs}, interleaved.`,
    '',
    '| worker processes | items/s |',
    '|---:|---:|',
    ...counts.map((n) => `| ${n} | ${Math.round(median(rates.get(n)!)).toLocaleString('en')} |`),
    '',
  ];
}

export async function benchCluster(runs = 3): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-cluster-'));
  const redis = await startRedis();
  const out: string[] = ['## Cluster', ''];
  try {
    out.push(`One private Redis (127.0.0.1, TCP, no persistence) on this machine; the cluster's workers are local \`fanout worker\` processes started before each run and stopped after it, untimed; walls are the coordinator's \`fanout scrape\` from spawn to exit.`, '');
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 50, log: false });
      out.push(...(await scrapeSection(redis, dir, runs, 'Latency-bound: 2,000 URLs over 8 hosts, 50 ms server latency, -c 32 --per-host 4', site, 2000, ['-c', '32', '--per-host', '4'],
        (m) => `Target: cluster within 1.10x of async: ${(m.get(STRATEGIES[2]!.name)! / m.get('async')!).toFixed(2)}x.`)));
      await site.close();
    }
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 0, pageBytes: 8192, log: false });
      out.push(...(await scrapeSection(redis, dir, runs, 'Throughput-bound: 20,000 URLs, 8 hosts, no latency, 8 KiB pages, -c 64, title + description', site, 20_000, ['-c', '64'],
        (m) => `Target: cluster at most 1.5x procs 2: ${(m.get(STRATEGIES[2]!.name)! / m.get('procs 2')!).toFixed(2)}x.`)));
      await site.close();
    }
    out.push(...(await noopCeiling(redis, runs)));
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
  out.push(await benchRawQueue(runs));
  return out.join('\n');
}
