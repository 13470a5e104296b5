import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { scrape, type ScrapeOptions } from '../../../src/jobs/scrape/scrape.js';
import type { ScrapeRecord, ScrapeTaskOptions } from '../../../src/jobs/scrape/record.js';
import type { Mode } from '../../../src/engine/runtimes/channel.js';
import { KeyedSemaphore } from '../../../src/engine/keyed-semaphore.js';
import { StartPacer } from '../../../src/engine/start-pacer.js';
import { parseJsonl, stable } from '../../helpers/cli.js';

const MODES: Mode[] = ['async', 'threads', 'procs'];

const taskDefaults: ScrapeTaskOptions = {
  timeoutMs: 10_000, connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, retries: 2, backoffMs: 10, maxRetryAfterMs: 60_000,
  maxRedirects: 10, maxBytes: 10 * 2 ** 20, userAgent: 'fanout-test', headers: {}, selectors: [], links: false, saveDir: null,
  connectionsPerOrigin: 4,
};

let site: SiteServer;
let dir: string;
beforeAll(async () => {
  site = await startSiteServer({ hosts: 4, latencyMs: 0 });
  dir = await mkdtemp(join(tmpdir(), 'fanout-scrape-'));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

async function scrapeList(lines: string[], mode: Mode, extra: Partial<ScrapeOptions> = {}): Promise<ScrapeRecord[]> {
  const input = join(dir, `list-${Math.random().toString(36).slice(2)}.txt`);
  const output = `${input}.out`;
  await writeFile(input, lines.join('\n') + '\n');
  await scrape({
    input, output, format: 'jsonl', resume: false, mode, workers: 2, concurrency: 8, ordered: true, perHost: 4,
    respectRobots: false, task: taskDefaults, ...extra,
  });
  return parseJsonl<ScrapeRecord>(await readFile(output, 'utf8'));
}

/**
 * Runs `body` while recording when the coordinator starts each request of `origin` (Date.now(), the clock of the
 * pacing and of the site server's log). scrape() runs its coordinator in this process, whatever the mode, so the
 * record is exact: it is when each start was let through, before any thread, process or socket adds its delay.
 */
async function recordingStarts<T>(origin: string, body: () => Promise<T>): Promise<{ result: T; started: number[] }> {
  const started: number[] = [];
  const acquire = KeyedSemaphore.prototype.acquire;
  const spy = vi.spyOn(KeyedSemaphore.prototype, 'acquire').mockImplementation(function (this: KeyedSemaphore, key: string) {
    if (key === origin) started.push(Date.now());
    return acquire.call(this, key);
  });
  try {
    return { result: await body(), started };
  } finally {
    spy.mockRestore();
  }
}

/**
 * Pacing seen at the server, anchored at the coordinator's first start: the k-th arrival (by time) cannot come
 * before the k-th start, which the pacing holds at least k x gap after the first. How late each request then
 * takes to arrive varies with the load of the machine (a new connection, another process), so gaps between
 * arrivals are not compared; unpaced, every request would arrive within a few ms of the first start.
 */
function expectPaced(started: number[], arrivals: number[], gapMs: number): void {
  for (let k = 1; k < started.length; k++) expect(started[k]! - started[k - 1]!, `start ${k} after start ${k - 1}`).toBeGreaterThanOrEqual(gapMs);
  arrivals.forEach((at, k) => expect(at - started[0]!, `arrival ${k} after the first start`).toBeGreaterThanOrEqual(k * gapMs));
}

describe('scrape', () => {
  it('gives identical records in async, threads and procs modes (timings aside)', async () => {
    const lines = [
      ...site.urls.map((u) => `${u}/page/a`),
      `${site.url}/status/404`,
      'not a url',
      `${site.url}/redirect/2`,
      `${site.url}/latin1`,
      `${site.url}/binary`,
      `${site.url}/no-title`,
      'ftp://example.invalid/file',
    ];
    const results = [];
    for (const mode of MODES) results.push(stable(await scrapeList(lines, mode)));
    expect(results[0]!.map((r) => r.index)).toEqual(lines.map((_, i) => i));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const byUrl = new Map(results[0]!.map((r) => [r.url, r]));
    expect(byUrl.get(`${site.url}/status/404`)).toMatchObject({ ok: false, status: 404, error: { code: 'HTTP_STATUS' } });
    expect(byUrl.get('not a url')).toMatchObject({ ok: false, status: null, error: { code: 'INVALID_URL' } });
    expect(byUrl.get(`${site.url}/redirect/2`)).toMatchObject({ ok: true, finalUrl: `${site.url}/redirect/0` });
  });

  it.each(MODES)('never runs more than --per-host requests at once on one host (%s)', async (mode) => {
    site.reset();
    const slow = await startSiteServer({ hosts: 2, latencyMs: 20 });
    try {
      const lines = Array.from({ length: 60 }, (_, i) => `${slow.urls[i % 2]}/page/${i}`);
      const records = await scrapeList(lines, mode, { concurrency: 16, perHost: 3 });
      expect(records.every((r) => r.ok)).toBe(true);
      expect(slow.maxConcurrent()).toBeLessThanOrEqual(3);
      expect(slow.maxConcurrent()).toBeGreaterThanOrEqual(2); // the limit, not a lack of work, held it
    } finally {
      await slow.close();
    }
  });

  it('joins CSV input rows to their records', async () => {
    const input = join(dir, 'sheet.csv');
    await writeFile(input, `sku,url\nA1,${site.url}/page/x\nB2,nope\n`);
    const output = join(dir, 'sheet.out');
    await scrape({ input, column: 'url', output, format: 'jsonl', resume: false, mode: 'async', workers: 1, concurrency: 4, ordered: true, perHost: 2, respectRobots: false, task: taskDefaults });
    const records = parseJsonl<ScrapeRecord>(await readFile(output, 'utf8'));
    expect(records.map((r) => [r.input, r.ok])).toEqual([[{ sku: 'A1' }, true], [{ sku: 'B2' }, false]]);
  });

  it('marks URLs that robots.txt disallows without fetching them', async () => {
    const robotsSite = await startSiteServer({ hosts: 1, robots: 'User-agent: *\nDisallow: /private\n' });
    try {
      const records = await scrapeList([`${robotsSite.url}/page/ok`, `${robotsSite.url}/private/x`], 'threads', { respectRobots: true });
      expect(records.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'ROBOTS_DISALLOWED']);
      expect(robotsSite.log.filter((e) => e.path.startsWith('/private'))).toHaveLength(0);
      expect(robotsSite.log.filter((e) => e.path === '/robots.txt')).toHaveLength(1);
    } finally {
      await robotsSite.close();
    }
  });

  it('paces an origin by its robots.txt Crawl-delay', async () => {
    const paced = await startSiteServer({ hosts: 1, robots: 'User-agent: *\nCrawl-delay: 0.2\n' });
    try {
      const { result: records, started } = await recordingStarts(paced.url, () =>
        scrapeList([1, 2, 3, 4].map((i) => `${paced.url}/page/${i}`), 'procs', { respectRobots: true, concurrency: 4, perHost: 4 }),
      );
      expect(records.every((r) => r.ok)).toBe(true);
      const starts = paced.log.filter((e) => e.path.startsWith('/page/')).map((e) => e.start).sort((a, b) => a - b);
      expect(started).toHaveLength(4);
      expect(starts).toHaveLength(4);
      expectPaced(started, starts, 200);
    } finally {
      await paced.close();
    }
  });

  it('caps a huge robots.txt Crawl-delay at --max-retry-after instead of parking the origin for the run', async () => {
    const paced = await startSiteServer({ hosts: 1, robots: 'User-agent: *\nCrawl-delay: 100000\n' });
    try {
      const { result: records, started } = await recordingStarts(paced.url, () =>
        scrapeList([1, 2, 3].map((i) => `${paced.url}/page/${i}`), 'async', {
          respectRobots: true, concurrency: 4, perHost: 4, task: { ...taskDefaults, maxRetryAfterMs: 300 },
        }),
      );
      expect(records.every((r) => r.ok)).toBe(true);
      expectPaced(started, [], 300);
      // Paced by the cap, not by the 100000 s asked for (the test would time out long before).
      expect(started[2]! - started[0]!).toBeLessThan(10_000);
    } finally {
      await paced.close();
    }
  }, 30_000);

  it.each(MODES)('answers a page of 100,000 unclosed elements with PAGE_TOO_DEEP in moments, selectors and links included (%s)', async (mode) => {
    const deep = `${site.url}/deep/100000`;
    const started = performance.now();
    const records = await scrapeList([deep, deep, `${site.url}/page/fine`], mode, {
      task: { ...taskDefaults, selectors: [{ name: 'd', css: 'body div span', kind: 'text' }, { name: 'c', css: 'div > div', kind: 'all' }], links: true },
    });
    expect(performance.now() - started).toBeLessThan(20_000); // a safety net: each page took 55 s of CPU before
    expect(records.map((r) => [r.ok, r.status, r.error?.code ?? null])).toEqual([[false, 200, 'PAGE_TOO_DEEP'], [false, 200, 'PAGE_TOO_DEEP'], [true, 200, null]]);
    expect(records[0]!.data).toEqual({ d: null, c: null });
  }, 60_000);

  it.each(MODES)('spaces request starts per host by --rate-per-host (%s)', async (mode) => {
    site.reset();
    const { result: records, started } = await recordingStarts(site.urls[3]!, () =>
      scrapeList([1, 2, 3, 4, 5].map((i) => `${site.urls[3]}/page/rate${i}`), mode, { ratePerHost: 10, concurrency: 8 }),
    );
    expect(records.every((r) => r.ok)).toBe(true);
    const starts = site.log.filter((e) => e.path.startsWith('/page/rate')).map((e) => e.start).sort((a, b) => a - b);
    // 10 per second: 100 ms apart at dispatch (400 ms in all).
    expect(started).toHaveLength(5);
    expect(starts).toHaveLength(5);
    expectPaced(started, starts, 100);
  });

  it.each(MODES)('spaces request starts across all hosts by --rate (%s)', async (mode) => {
    site.reset();
    const started: number[] = [];
    const pace = StartPacer.prototype.started;
    const spy = vi.spyOn(StartPacer.prototype, 'started').mockImplementation(function (this: StartPacer) {
      started.push(Date.now());
      return pace.call(this);
    });
    let records: ScrapeRecord[];
    try {
      // Five URLs over four hosts, with room for all at once: only the run-wide rate can space them.
      records = await scrapeList([0, 1, 2, 3, 4].map((i) => `${site.urls[i % 4]}/page/global-rate${i}`), mode, { rate: 10, concurrency: 8 });
    } finally {
      spy.mockRestore();
    }
    expect(records.every((r) => r.ok)).toBe(true);
    const starts = site.log.filter((e) => e.path.startsWith('/page/global-rate')).map((e) => e.start).sort((a, b) => a - b);
    expect(started).toHaveLength(5);
    expect(starts).toHaveLength(5);
    expectPaced(started, starts, 100);
  });

  it('honours Retry-After by holding back the whole host, then succeeds', async () => {
    site.reset();
    const records = await scrapeList([`${site.url}/retry-after/1`, `${site.url}/page/after`], 'async', { concurrency: 1 });
    expect(records[0]).toMatchObject({ ok: true, attempts: 2 });
    const hits = site.log.filter((e) => e.path.startsWith('/retry-after'));
    expect(hits).toHaveLength(2);
    expect(hits[1]!.start - hits[0]!.start).toBeGreaterThanOrEqual(950);
    const other = site.log.find((e) => e.path === '/page/after')!;
    expect(other.start - hits[0]!.start).toBeGreaterThanOrEqual(950); // the host was paused, not just the URL
  });
});
