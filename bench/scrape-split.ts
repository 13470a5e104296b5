/**
 * Where should a scrape parse (issue 3, "Strategies")? Two splits of the same work, on the same workloads in
 * the same run:
 *   A. fetch + parse in the task: `fanout scrape` as shipped, in async, --threads 2 and --procs 2;
 *   B. fetch in the coordinator (undici `request`, keep-alive Agent, 16 in flight), and hand each body to an
 *      engine pool that only parses (fixtures/tasks/parse-task.ts), pipelined: an async generator feeds run()
 *      as bodies arrive. B async is a control (it should cost what A async costs).
 * Every run is a fresh child process timed by /usr/bin/time, so CPU (user + sys) covers the whole tree (worker
 * threads, and worker processes, which node reaps). Runs are interleaved across strategies; the 1-minute load
 * average is read before each one (other people share these cores). A small correctness pass checks that
 * every strategy writes the same records (timing fields aside). A micro-benchmark prices the body hand-over
 * (structured clone vs transfer for threads, v8 serialization for procs).
 *
 * This module is also the B driver: `node dist/bench/scrape-split.js --drive MODE LIST OUT [NAME=CSS]`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { startSiteServer, type SiteServer } from '../fixtures/site-server.js';
import { scrapeOptions } from '../fixtures/scrape-options.js';
import type { FetchedPage, ParseTaskOptions } from '../fixtures/tasks/parse-task.js';
import { median } from './machine.js';

const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const PARSE_TASK = fileURLToPath(new URL('../fixtures/tasks/parse-task.js', import.meta.url));
const FETCH_IN_FLIGHT = 16;

// ---------------------------------------------------------------------------------------------------------
// The B driver (runs in a child process)

interface DriverStats {
  pages: number;
  bodyBytes: number;
  /** Bytes of the ArrayBuffers behind the bodies: what a worker thread's structured clone copies. */
  backingBytes: number;
  /** Bodies that are views into a larger ArrayBuffer (a transfer would detach memory they do not own). */
  sharedBacking: number;
  /** Event-loop utilization of the coordinator over the run: near 1 means the fetching thread is the limit. */
  mainElu: number;
}

/** Fetches with `inFlight` requests open, yielding pages as they complete; replacements start as pages are taken. */
async function* fetchAll(urls: string[], fetchOne: (url: string, index: number) => Promise<FetchedPage>, inFlight: number): AsyncGenerator<FetchedPage> {
  const done: FetchedPage[] = [];
  let wake: (() => void) | null = null;
  let next = 0;
  let running = 0;
  let failure: unknown = null;
  const start = () => {
    const i = next++;
    running++;
    fetchOne(urls[i]!, i).then(
      (page) => {
        running--;
        done.push(page);
        wake?.();
      },
      (err) => {
        running--;
        failure ??= err;
        wake?.();
      },
    );
  };
  while (next < urls.length && running < inFlight) start();
  while (running > 0 || done.length > 0) {
    if (done.length === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    if (failure) throw failure;
    const page = done.shift();
    if (!page) continue;
    if (next < urls.length) start();
    yield page;
  }
}

async function drive(mode: 'async' | 'threads' | 'procs', list: string, out: string, selectAll?: string): Promise<void> {
  const { performance } = await import('node:perf_hooks');
  const elu0 = performance.eventLoopUtilization();
  const [{ run }, { createAgent, requestHeaders }, { fetchPage }, { openOutput }, { scrapeRecord }] = await Promise.all([
    import('../src/engine/coordinator.js'),
    import('../src/jobs/scrape/agent.js'),
    import('../src/jobs/scrape/fetch.js'),
    import('../src/jobs/scrape/output.js'),
    import('../src/jobs/scrape/record.js'),
  ]);
  const selectors = selectAll ? [{ name: selectAll.split('=')[0]!, css: selectAll.slice(selectAll.indexOf('=') + 1), kind: 'all' as const }] : [];
  // The CLI's defaults (30 s attempt, 15 s idle, 8 connections per origin), as `fanout scrape` uses them.
  const options = scrapeOptions({ timeoutMs: 30_000, idleTimeoutMs: 15_000, connectTimeoutMs: 10_000, selectors, userAgent: 'fanout/bench' });
  const agent = createAgent(options);
  const fetchOptions = { timeoutMs: options.timeoutMs, idleTimeoutMs: options.idleTimeoutMs, maxRedirects: options.maxRedirects, maxBytes: options.maxBytes, headers: requestHeaders(options) };
  const urls = (await readFile(list, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stats: DriverStats = { pages: 0, bodyBytes: 0, backingBytes: 0, sharedBacking: 0, mainElu: 0 };

  // No retries here: the fixture site does not fail, and a retry would be the coordinator's to schedule.
  const fetchOne = async (url: string, index: number): Promise<FetchedPage> => {
    const t0 = performance.now();
    const res = await fetchPage(url, fetchOptions, agent);
    if (res.body) {
      stats.bodyBytes += res.body.byteLength;
      stats.backingBytes += res.body.buffer.byteLength;
      if (res.body.buffer.byteLength !== res.body.byteLength) stats.sharedBacking++;
    }
    stats.pages++;
    const { finalUrl, status, contentType, bytes, body, error } = res;
    return { index, url, finalUrl, status, contentType, bytes, body, error, ms: performance.now() - t0 };
  };

  const sink = await openOutput({ format: 'jsonl', file: out, selectorNames: selectors.map((s) => s.name), links: false, save: false });
  // Pages arrive in completion order; records are written in input order, as `fanout scrape` writes them.
  const held = new Map<number, import('../src/jobs/scrape/record.js').ScrapeRecord>();
  let nextOut = 0;
  const taskOptions: ParseTaskOptions = { selectors, links: false };
  try {
    await run<FetchedPage, import('../src/jobs/scrape/record.js').PageReport>({
      items: fetchAll(urls, fetchOne, FETCH_IN_FLIGHT),
      task: PARSE_TASK,
      taskOptions,
      mode,
      workers: 2,
      concurrency: 8,
      ordered: false,
      window: 32, // bodies held between the fetcher and the parsers: bounded, or fetching outruns parsing into RAM
      onResult: async (r) => {
        if (!r.ok) throw new Error(`parse failed: ${r.error.code} ${r.error.message}`);
        held.set(r.item.index, scrapeRecord({ index: r.item.index, url: r.item.url, attempts: r.attempts }, r.value));
        for (let rec = held.get(nextOut); rec; rec = held.get(nextOut)) {
          held.delete(nextOut++);
          await sink.write(rec);
        }
      },
    });
  } finally {
    await sink.close();
    await agent.close();
  }
  if (held.size) throw new Error(`${held.size} records never written`);
  stats.mainElu = performance.eventLoopUtilization(elu0).utilization;
  process.stderr.write(JSON.stringify(stats) + '\n');
}

// ---------------------------------------------------------------------------------------------------------
// Timing children

interface Sample {
  wallMs: number;
  cpuS: number;
  load1: number;
  stats?: DriverStats;
}

async function timed(args: string[]): Promise<Sample> {
  const load1 = loadavg()[0]!;
  const timeFile = join(tmpdir(), `fanout-split-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const wallMs = performance.now() - t0;
  const time = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  await rm(timeFile, { force: true });
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  const statsLine = stderr.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return { wallMs, cpuS: time[1]! + time[2]!, load1, stats: statsLine ? JSON.parse(statsLine) : undefined };
}

interface Strategy {
  name: string;
  args: (list: string, out: string, selectAll?: string) => string[];
}

const fanoutA = (flags: string[]) => (list: string, out: string, selectAll?: string) => [
  BIN, 'scrape', list, '-o', out, '--quiet', '--concurrency', '16', ...(selectAll ? ['--select-all', selectAll] : []), ...flags,
];
const driverB = (mode: string) => (list: string, out: string, selectAll?: string) => [SELF, '--drive', mode, list, out, ...(selectAll ? [selectAll] : [])];

const STRATEGIES: Strategy[] = [
  { name: 'A fetch+parse in task, async', args: fanoutA([]) },
  { name: 'A fetch+parse in task, threads 2', args: fanoutA(['--threads', '2']) },
  { name: 'A fetch+parse in task, procs 2', args: fanoutA(['--procs', '2']) },
  { name: 'B fetch in main, parse async (control)', args: driverB('async') },
  { name: 'B fetch in main, parse threads 2', args: driverB('threads') },
  { name: 'B fetch in main, parse procs 2', args: driverB('procs') },
];

// ---------------------------------------------------------------------------------------------------------
// Workloads

interface Workload {
  title: string;
  hosts: number;
  pageBytes?: number;
  urls: (site: SiteServer, n: number) => string[];
  n: number;
  selectAll?: string;
}

const spread = (site: SiteServer, n: number, path: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `${site.urls[i % site.urls.length]}${path(i)}`);

const WORKLOADS: Workload[] = [
  {
    title: 'Parse-heavy: 600 pages of /heavy/256 (256 KiB, ~1,500 .item blocks each), 8 hosts, --select-all items=.item',
    hosts: 8,
    n: 600,
    urls: (site, n) => spread(site, n, (i) => `/heavy/256?i=${i}`),
    selectAll: 'items=.item',
  },
  {
    title: 'Throughput: 20,000 /page/ URLs of 8 KiB, 8 hosts, no latency, default fields (title + description)',
    hosts: 8,
    pageBytes: 8192,
    n: 20_000,
    urls: (site, n) => spread(site, n, (i) => `/page/${i}`),
  },
];

/** A digest of an output with the timing field removed, to compare strategies. */
async function recordsDigest(file: string): Promise<{ records: number; digest: string }> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  const h = createHash('sha256');
  for (const line of lines) {
    const r = JSON.parse(line);
    delete r.ms;
    h.update(JSON.stringify(r) + '\n');
  }
  return { records: lines.length, digest: h.digest('hex').slice(0, 12) };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function benchWorkload(dir: string, w: Workload, runs: number, out: string[]): Promise<Map<string, Sample[]>> {
  const site = await startSiteServer({ hosts: w.hosts, latencyMs: 0, pageBytes: w.pageBytes, log: false });
  const samples = new Map<string, Sample[]>(STRATEGIES.map((st) => [st.name, []]));
  try {
    const list = join(dir, 'list.txt');
    await writeFile(list, w.urls(site, w.n).join('\n') + '\n');
    // Correctness on a short list (the timed runs write to /dev/null): every strategy, the same records.
    const small = join(dir, 'small.txt');
    await writeFile(small, w.urls(site, Math.min(w.n, 200)).join('\n') + '\n');
    const digests: string[] = [];
    for (const st of STRATEGIES) {
      const file = join(dir, 'check.jsonl');
      await timed(st.args(small, file, w.selectAll)); // doubles as the warm-up run
      const d = await recordsDigest(file);
      digests.push(`${d.records}:${d.digest}`);
    }
    const same = digests.every((d) => d === digests[0]);
    // Interleaved: run r of every strategy before run r + 1 of any.
    for (let r = 0; r < runs; r++) {
      for (const st of STRATEGIES) {
        const t = await timed(st.args(list, '/dev/null', w.selectAll));
        samples.get(st.name)!.push(t);
        process.stderr.write(`  ${st.name}: ${s(t.wallMs)}, cpu ${t.cpuS.toFixed(2)} s, load ${t.load1.toFixed(2)}\n`);
      }
    }
    const base = median(samples.get(STRATEGIES[0]!.name)!.map((x) => x.wallMs));
    out.push(`${w.title}; --concurrency 16 (B: 16 fetches in flight, parse pool concurrency 8, window 32); median of ${runs}, runs interleaved.`, '');
    out.push('load1 is the 1-minute load average read before each run; it includes this benchmark\'s own previous run (a child busy on both cores adds up to ~2), so only the excess over ~2 is other work.', '');
    out.push(`Correctness (first 200 URLs, every strategy): ${same ? `identical records (timing aside), ${digests[0]}` : `DIFFERENT: ${digests.join(', ')}`}.`, '');
    out.push('| strategy | wall (median) | min–max | CPU user+sys (median) | cores busy (CPU/wall) | speed-up vs A async | load1 before runs |', '|---|---|---|---|---|---|---|');
    for (const st of STRATEGIES) {
      const xs = samples.get(st.name)!;
      const wall = median(xs.map((x) => x.wallMs));
      const cpu = median(xs.map((x) => x.cpuS));
      const walls = xs.map((x) => x.wallMs);
      out.push(`| ${st.name} | ${s(wall)} | ${s(Math.min(...walls))}–${s(Math.max(...walls))} | ${cpu.toFixed(2)} s | ${(cpu / (wall / 1000)).toFixed(2)} | ${(base / wall).toFixed(2)}x | ${xs.map((x) => x.load1.toFixed(1)).join(', ')} |`);
    }
    const b = samples.get(STRATEGIES[4]!.name)!.find((x) => x.stats)?.stats;
    if (b) {
      out.push('', `B's coordinator (threads run): event-loop utilization ${b.mainElu.toFixed(2)}; ${b.pages} bodies, ${(b.bodyBytes / 2 ** 20).toFixed(1)} MiB; ` +
        `the ArrayBuffers behind them hold ${(b.backingBytes / 2 ** 20).toFixed(1)} MiB (what postMessage clones), ${b.sharedBacking} bodies are views into a larger buffer.`);
    }
    out.push('');
  } finally {
    await site.close();
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------
// Hand-over cost: structured clone vs transfer (threads), v8 serialization (procs)

const ECHO_WORKER = `
const { parentPort } = require('node:worker_threads');
let n = 0, bytes = 0;
parentPort.on('message', (m) => {
  if (m === 'count') { parentPort.postMessage({ n, bytes }); n = 0; bytes = 0; return; }
  n++; bytes += m.byteLength;
});`;

function perOpUs(ops: number, f: () => void): number {
  const xs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) f();
    xs.push(((performance.now() - t0) * 1000) / ops);
  }
  return median(xs);
}

/** Posts `count` fresh buffers to a worker (copied, or transferred) and waits until it has them all: µs per body. */
async function postUs(worker: Worker, size: number, count: number, transfer: boolean): Promise<number> {
  const bufs = Array.from({ length: count }, () => Buffer.alloc(size, 1));
  const t0 = performance.now();
  for (const b of bufs) worker.postMessage(b, transfer ? [b.buffer as ArrayBuffer] : []);
  const got = await new Promise<{ n: number }>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage('count');
  });
  if (got.n !== count) throw new Error(`worker got ${got.n} of ${count}`);
  return ((performance.now() - t0) * 1000) / count;
}

async function handOverCosts(out: string[]): Promise<void> {
  const worker = new Worker(ECHO_WORKER, { eval: true });
  try {
    out.push('Hand-over cost of one body, measured in this process (median of 5 rounds):', '');
    out.push('| body | structuredClone | postMessage to a thread, copied | postMessage, transferred | v8 serialize + deserialize (procs IPC, pipe not included) |', '|---|---|---|---|---|');
    for (const size of [8 * 1024, 256 * 1024]) {
      const buf = Buffer.alloc(size, 1);
      const clone = perOpUs(2000, () => structuredClone(buf));
      const v8 = perOpUs(2000, () => deserialize(serialize(buf)));
      const copied: number[] = [];
      const moved: number[] = [];
      for (let round = 0; round < 5; round++) {
        copied.push(await postUs(worker, size, 300, false));
        moved.push(await postUs(worker, size, 300, true));
      }
      out.push(`| ${size / 1024} KiB | ${clone.toFixed(1)} µs | ${median(copied).toFixed(1)} µs | ${median(moved).toFixed(1)} µs | ${v8.toFixed(1)} µs |`);
    }
    out.push('');
  } finally {
    await worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------------

export async function benchScrapeSplit(runs = 3): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-split-'));
  const out: string[] = ['## Scrape: where to parse (fetch+parse in the task vs fetch in the coordinator)', ''];
  try {
    await handOverCosts(out);
    for (const w of WORKLOADS) {
      process.stderr.write(`bench split: ${w.title}\n`);
      await benchWorkload(dir, w, runs, out);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out.join('\n');
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--drive') {
  const [, , , mode, list, out, selectAll] = process.argv;
  drive(mode as 'async' | 'threads' | 'procs', list!, out!, selectAll).catch((err) => {
    process.stderr.write(`drive: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  });
}
