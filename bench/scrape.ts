/**
 * Scrape benchmarks (issue 3), each against the fixture site on loopback, with curl as the anchor in the same
 * run: latency-bound (per-host limits), throughput, parse-heavy, and memory over list length.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSiteServer, type SiteServer } from '../fixtures/site-server.js';
import { median } from './machine.js';

const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const UNDICI_ANCHOR = fileURLToPath(new URL('./anchors/undici-fetch.js', import.meta.url));

interface Timed {
  ms: number;
  code: number | null;
  summary?: { maxRssBytes?: number; failed: number; items: number; cpu?: { userMs: number; systemMs: number } };
}

async function timeCommand(cmd: string, args: string[], summaryFile?: string): Promise<Timed> {
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', cmd === 'curl' ? 'ignore' : 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  const ms = performance.now() - t0;
  const summary = summaryFile ? JSON.parse(await readFile(summaryFile, 'utf8')) : undefined;
  return { ms, code, summary };
}

const fanout = (dir: string, list: string, flags: string[]) => {
  const summary = join(dir, `summary-${Math.random().toString(36).slice(2)}.json`);
  return timeCommand(process.execPath, [BIN, 'scrape', list, '-o', '/dev/null', '--quiet', '--summary-json', summary, ...flags], summary);
};

async function curl(dir: string, urls: string[], parallel: number): Promise<Timed> {
  const config = join(dir, 'curl.cfg');
  await writeFile(config, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''));
  return timeCommand('curl', ['-s', '-Z', '--parallel-max', String(parallel), '-K', config]);
}

async function listFile(dir: string, name: string, urls: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, urls.join('\n') + '\n');
  return path;
}

const spread = (site: SiteServer, n: number, path: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `${site.urls[i % site.urls.length]}${path(i)}`);

const STRATEGIES: [string, string[]][] = [
  ['async', []],
  ['threads 2', ['--threads', '2']],
  ['procs 2', ['--procs', '2']],
];

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** CPU (user + system, worker processes included) of one run, from its summary. */
const cpuOf = (t: Timed) => (t.summary?.cpu ? t.summary.cpu.userMs + t.summary.cpu.systemMs : NaN);

async function medianOf(runs: number, f: () => Promise<Timed>): Promise<Timed & { all: number[]; cpuMs: number }> {
  const all: Timed[] = [];
  for (let i = 0; i < runs; i++) all.push(await f());
  const failed = all.find((t) => t.code !== 0 && t.code !== 1);
  if (failed) throw new Error(`a benchmark run exited with ${failed.code}`);
  const ms = median(all.map((t) => t.ms));
  return { ...all[0]!, ms, all: all.map((t) => t.ms), cpuMs: median(all.map(cpuOf)) };
}

export async function benchScrape(runs = 3): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-scrape-'));
  const out: string[] = ['## Scrape', ''];
  try {
    // 1. Latency-bound: the per-host semaphore is the limit; ideal = 2000 / 32 x 50 ms.
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 50, log: false });
      const urls = spread(site, 2000, (i) => `/page/${i}`);
      const list = await listFile(dir, 'latency.txt', urls);
      const ideal = (2000 / 32) * 50;
      out.push(`Latency-bound: 2000 URLs over 8 hosts, 50 ms server latency, --concurrency 32 --per-host 4; ideal ${s(ideal)}; median of ${runs}.`, '');
      out.push('| strategy | wall | vs ideal | max concurrent requests on one host (server-side) |', '|---|---|---|---|');
      for (const [name, flags] of STRATEGIES) {
        site.reset();
        const t = await medianOf(runs, () => fanout(dir, list, ['--concurrency', '32', '--per-host', '4', ...flags]));
        out.push(`| fanout ${name} | ${s(t.ms)} | ${(t.ms / ideal).toFixed(3)}x | ${site.maxConcurrent()} |`);
      }
      site.reset();
      const c = await medianOf(runs, () => curl(dir, urls, 32));
      out.push(`| curl -Z --parallel-max 32 (no per-host limit) | ${s(c.ms)} | ${(c.ms / ideal).toFixed(3)}x | ${site.maxConcurrent()} |`, '');
      await site.close();
    }
    // 2. Throughput: no latency, 8 KiB pages; default fields (title, description).
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 0, pageBytes: 8192, log: false });
      const urls = spread(site, 20_000, (i) => `/page/${i}`);
      const list = await listFile(dir, 'throughput.txt', urls);
      const c = await medianOf(runs, () => curl(dir, urls, 16));
      out.push(`Throughput: 20,000 URLs, 8 hosts, no latency, 8 KiB pages, --concurrency 16, title + description; median of ${runs}.`, '');
      out.push('| strategy | wall | URLs/s | vs curl |', '|---|---|---|---|');
      out.push(`| curl -Z --parallel-max 16 (fetch only, to /dev/null) | ${s(c.ms)} | ${Math.round(20000 / (c.ms / 1000))} | 1.00x |`);
      const u = await medianOf(runs, () => timeCommand(process.execPath, [UNDICI_ANCHOR, list, '16']));
      out.push(`| Node: undici request + p-limit (fetch only, no parse, no records) | ${s(u.ms)} | ${Math.round(20000 / (u.ms / 1000))} | ${(u.ms / c.ms).toFixed(2)}x |`);
      for (const [name, flags] of STRATEGIES) {
        const t = await medianOf(runs, () => fanout(dir, list, ['--concurrency', '16', ...flags]));
        out.push(`| fanout ${name} | ${s(t.ms)} | ${Math.round(20000 / (t.ms / 1000))} | ${(t.ms / c.ms).toFixed(2)}x |`);
      }
      out.push('');
      await site.close();
    }
    // 3. Parse-heavy: big pages and a selector that needs the whole body.
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 0, log: false });
      const urls = spread(site, 600, (i) => `/heavy/256?i=${i}`);
      const list = await listFile(dir, 'heavy.txt', urls);
      // Async already keeps more than one core busy (V8 collects garbage on helper threads), so the speed-up over
      // it cannot reach the core count; parallel efficiency (async's CPU / cores / the mode's wall) is the share of
      // what the cores allow that a mode reaches, the figure that carries over to a machine with more cores.
      const cores = availableParallelism();
      out.push(`Parse-heavy: 600 pages of 256 KiB, --select-all items=.item (whole body), --concurrency 16; median of ${runs}. ` +
        `Parallel efficiency = async's CPU time / ${cores} cores / the mode's wall time.`, '');
      out.push('| strategy | wall | CPU | speed-up vs async | parallel efficiency |', '|---|---|---|---|---|');
      let base: { ms: number; cpuMs: number } | null = null;
      for (const [name, flags] of STRATEGIES) {
        const t = await medianOf(runs, () => fanout(dir, list, ['--concurrency', '16', '--select-all', 'items=.item', ...flags]));
        base ??= t;
        const efficiency = base.cpuMs / cores / t.ms;
        out.push(`| fanout ${name} | ${s(t.ms)} | ${s(t.cpuMs)} | ${(base.ms / t.ms).toFixed(2)}x | ${Number.isNaN(efficiency) ? '?' : `${(efficiency * 100).toFixed(0)} %`} |`);
      }
      out.push('');
      await site.close();
    }
    // 4. Memory: peak RSS must not grow with the list.
    {
      const site = await startSiteServer({ hosts: 8, latencyMs: 0, pageBytes: 2048, log: false });
      out.push('Memory: peak RSS of the fanout process (async, --concurrency 16) by list length.', '');
      out.push('| URLs | wall | peak RSS |', '|---|---|---|');
      const rss: number[] = [];
      for (const n of [20_000, 200_000]) {
        const list = await listFile(dir, `mem-${n}.txt`, spread(site, n, (i) => `/page/${i}`));
        const t = await fanout(dir, list, ['--concurrency', '16']);
        rss.push(t.summary?.maxRssBytes ?? NaN);
        out.push(`| ${n.toLocaleString('en')} | ${s(t.ms)} | ${(rss.at(-1)! / 2 ** 20).toFixed(0)} MB |`);
      }
      out.push('', `Ratio 200k / 20k: ${(rss[1]! / rss[0]!).toFixed(2)}x.`, '');
      await site.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out.join('\n');
}
