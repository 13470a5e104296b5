import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../../fixtures/connect-proxy.js';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { scrapeOptions, until } from '../../../fixtures/scrape-options.js';
import { isRetryLater, RetryLater } from '../../../src/engine/errors.js';
import type { TaskFn } from '../../../src/engine/task.js';
import { scrapeRecord, type PageReport, type ScrapeItem, type ScrapeRecord, type ScrapeTaskOptions } from '../../../src/jobs/scrape/record.js';
import scrapeTask from '../../../src/jobs/scrape/task.js';

type Scrape = TaskFn<ScrapeItem, ScrapeRecord>;
let site: SiteServer;
const open: TaskFn<ScrapeItem, PageReport>[] = [];

/** The task, each report made into the record the coordinator makes of it (there, attempts count crashes too). */
async function makeTask(o: Partial<ScrapeTaskOptions> = {}): Promise<Scrape> {
  const task = (await scrapeTask(scrapeOptions(o))) as TaskFn<ScrapeItem, PageReport>;
  open.push(task);
  return async (item, c) => scrapeRecord({ index: c.index, url: item.url, attempts: c.attempt }, await task(item, c));
}
const ctx = (attempt = 1, index = 0, signal = new AbortController().signal) => ({ signal, attempt, index, releaseKey: () => {} });

/** Runs an item the way the coordinator does, without waiting out the delays; returns the record and the retries asked for. */
async function runToEnd(task: Scrape, url: string): Promise<{ record: ScrapeRecord; retries: RetryLater[] }> {
  const retries: RetryLater[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return { record: await task({ url }, ctx(attempt)), retries };
    } catch (err) {
      if (!isRetryLater(err)) throw err;
      retries.push(err);
    }
  }
}

beforeAll(async () => {
  site = await startSiteServer({ hosts: 2 });
});
beforeEach(() => site.reset());
afterAll(async () => {
  await Promise.all(open.map((t) => t.close?.()));
  await site.close();
});

describe('scrape task', () => {
  it('turns a page into a record with the stable fields, in order', async () => {
    const task = await makeTask();
    const record = await task({ url: `${site.url}/page/hello` }, ctx(1, 7));
    expect(Object.keys(record)).toEqual(['index', 'url', 'finalUrl', 'ok', 'status', 'contentType', 'bytes', 'title', 'description', 'attempts', 'ms', 'error']);
    expect(record).toMatchObject({
      index: 7,
      url: `${site.url}/page/hello`,
      finalUrl: `${site.url}/page/hello`,
      ok: true,
      status: 200,
      contentType: 'text/html; charset=utf-8',
      bytes: 8192,
      title: 'Page /page/hello',
      description: 'Description of /page/hello',
      attempts: 1,
      error: null,
    });
    expect(record.ms).toBeGreaterThanOrEqual(0);
  });

  it('sends the user agent and the -H headers, and asks for compressed bodies', async () => {
    const task = await makeTask({ userAgent: 'my-bot/2.0', headers: { 'X-Team': 'data', Accept: 'text/html' } });
    await task({ url: `${site.url}/page/h` }, ctx());
    const headers = site.log.at(-1)!.headers;
    expect(headers).toMatchObject({ 'user-agent': 'my-bot/2.0', 'x-team': 'data', accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' });
  });

  it('answers a robots-disallowed item with ROBOTS_DISALLOWED and no request', async () => {
    const task = await makeTask({ links: true, selectors: [{ name: 'h', css: 'h1', kind: 'text' }] });
    const record = await task({ url: `${site.url}/page/secret`, disallowed: true }, ctx(1, 3));
    expect(record).toMatchObject({ index: 3, ok: false, status: null, error: { code: 'ROBOTS_DISALLOWED' }, data: { h: null }, links: [] });
    expect(site.log).toHaveLength(0);
  });

  it('retries a 500 with growing, jittered backoff while retries remain, then fails with HTTP_STATUS', async () => {
    const task = await makeTask({ retries: 3, backoffMs: 100 });
    const { record, retries } = await runToEnd(task, `${site.url}/status/500`);
    expect(retries.map((r) => r.pauseKey)).toEqual([false, false, false]);
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(r.delayMs).toBeLessThanOrEqual(100 * 2 ** i);
    });
    expect(record).toMatchObject({ ok: false, status: 500, attempts: 4, error: { code: 'HTTP_STATUS', message: 'HTTP 500' } });
  });

  it('succeeds on a flaky URL once its failures are used up', async () => {
    const task = await makeTask({ retries: 2 });
    const { record, retries } = await runToEnd(task, `${site.url}/flaky/2?status=502`);
    expect(retries).toHaveLength(2);
    expect(record).toMatchObject({ ok: true, status: 200, attempts: 3, title: 'Page /flaky/2' });
  });

  it('asks the coordinator to pause the host on a 429 with Retry-After, for that long', async () => {
    const task = await makeTask();
    const { record, retries } = await runToEnd(task, `${site.url}/retry-after/3`);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ delayMs: 3000, pauseKey: true });
    expect(record).toMatchObject({ ok: true, attempts: 2 });
  });

  it('honours Retry-After as an HTTP date on a 503, capped by maxRetryAfterMs', async () => {
    const task = await makeTask({ maxRetryAfterMs: 2_000 });
    const { retries } = await runToEnd(task, `${site.url}/retry-after/30?date=1&status=503`);
    expect(retries[0]).toMatchObject({ delayMs: 2000, pauseKey: true });
  });

  it('retries a 503 without Retry-After by backoff, without pausing the host', async () => {
    const task = await makeTask({ backoffMs: 10 });
    const { retries } = await runToEnd(task, `${site.url}/flaky/1?status=503`);
    expect(retries).toHaveLength(1);
    expect(retries[0].pauseKey).toBe(false);
    expect(retries[0].delayMs).toBeLessThanOrEqual(10);
  });

  it('retries network errors, then records the error with the attempts made', async () => {
    const task = await makeTask({ retries: 1 });
    const { record, retries } = await runToEnd(task, `${site.url}/reset`);
    expect(retries).toHaveLength(1);
    expect(record).toMatchObject({ ok: false, status: null, finalUrl: null, attempts: 2, error: { code: 'CONNECTION_RESET' } });
  });

  it('does not retry failures that would repeat: 404, too large, bad URL, redirect loop', async () => {
    const task = await makeTask({ maxBytes: 1000 });
    for (const [url, code] of [
      [`${site.url}/status/404`, 'HTTP_STATUS'],
      [`${site.url}/big/5000`, 'BODY_TOO_LARGE'],
      ['mailto:x@y.test', 'INVALID_URL'],
      [`${site.url}/redirect-loop`, 'TOO_MANY_REDIRECTS'],
    ]) {
      const record = await task({ url }, ctx(1));
      expect(record.error?.code, url).toBe(code);
    }
  });

  it('throws when cancelled instead of returning a record', async () => {
    const task = await makeTask();
    const controller = new AbortController();
    const pending = task({ url: `${site.url}/hang?id=task-cancel` }, ctx(1, 0, controller.signal));
    await until(() => site.log.some((e) => e.path === '/hang?id=task-cancel'));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    const aborted = new AbortController();
    aborted.abort(new Error('already'));
    await expect(task({ url: `${site.url}/page/x`, disallowed: true }, ctx(1, 0, aborted.signal))).rejects.toThrow('already');
  });

  it('fills data and links from the selectors and --links', async () => {
    const task = await makeTask({
      links: true,
      selectors: [
        { name: 'names', css: '.product h2', kind: 'all' },
        { name: 'price', css: '.price', kind: 'text' },
        { name: 'more', css: 'a.more', kind: 'attr', attr: 'href' },
      ],
    });
    const record = await task({ url: `${site.url}/products` }, ctx());
    expect(record.data).toEqual({ names: ['Kettle', 'Toaster', 'Mixer'], price: '€20', more: '/p/kettle' });
    expect(record.links).toEqual([`${site.url}/p/kettle`, `${site.url}/p/toaster`]);
    expect(record.title).toBe('Shop');
  });

  it('does not parse non-HTML answers, and their records stay valid', async () => {
    const task = await makeTask({ selectors: [{ name: 't', css: 'title', kind: 'text' }] });
    for (const [path, type] of [['/binary', 'image/png'], ['/json', 'application/json'], ['/text', 'text/plain; charset=utf-8']]) {
      const record = await task({ url: `${site.url}${path}` }, ctx());
      expect(record, path).toMatchObject({ ok: true, status: 200, contentType: type, title: null, description: null, data: { t: null } });
      expect(record.bytes).toBeGreaterThan(0);
    }
  });

  it('saves 2xx bodies under --save and records savedAs; failures get savedAs null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-task-save-'));
    try {
      const task = await makeTask({ saveDir: dir });
      const ok = await task({ url: `${site.url}/page/saved?x=1` }, ctx());
      expect(ok.savedAs).toMatch(/^127\.0\.0\.1#\d+\/page\/saved#[0-9a-f]{8}$/);
      expect((await readFile(join(dir, ok.savedAs!), 'utf8')).length).toBe(8192);
      const failed = await task({ url: `${site.url}/status/404` }, ctx());
      expect(failed.savedAs).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a body that cannot be saved as SAVE_FAILED, keeping what was fetched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-task-save-'));
    try {
      await writeFile(join(dir, 'file'), 'x');
      const task = await makeTask({ saveDir: join(dir, 'file', 'below') });
      const record = await task({ url: `${site.url}/page/nosave` }, ctx());
      expect(record).toMatchObject({ ok: false, status: 200, title: 'Page /page/nosave', savedAs: null, error: { code: 'SAVE_FAILED' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens at most connectionsPerOrigin sockets per host, seen from the server', async () => {
    const task = await makeTask({ connectionsPerOrigin: 2 });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => task({ url: `${site.urls[i % 2]}/page/c${i}?latency=20` }, ctx(1, i))),
    );
    for (const base of site.urls) expect(site.maxConcurrent(new URL(base).host)).toBe(2);
  });

  it('fails at creation with BAD_SELECTOR for CSS that does not compile', async () => {
    await expect(async () => scrapeTask(scrapeOptions({ selectors: [{ name: 'x', css: 'div[[', kind: 'text' }] }))).rejects.toMatchObject({ code: 'BAD_SELECTOR' });
  });
});

describe('proxies', () => {
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy();
  });
  afterAll(() => proxy.close());

  it('goes through HTTP_PROXY, except for hosts in NO_PROXY', async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.2';
    try {
      const task = await makeTask();
      const via = await task({ url: `${site.urls[0]}/page/proxied` }, ctx());
      const direct = await task({ url: `${site.urls[1]}/page/direct` }, ctx());
      expect(via).toMatchObject({ ok: true, title: 'Page /page/proxied' });
      expect(direct).toMatchObject({ ok: true, title: 'Page /page/direct' });
      expect(proxy.tunnels).toEqual([new URL(site.urls[0]).host]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
