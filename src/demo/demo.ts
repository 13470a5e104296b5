/**
 * The offline demo: starts the fixture site on loopback hosts, scrapes it with each strategy through the
 * library, and prints what each produced and how long it took.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { startSiteServer } from '../../fixtures/site-server.js';
import { scrape } from '../jobs/scrape/scrape.js';
import type { ScrapeTaskOptions } from '../jobs/scrape/record.js';
import type { Mode } from '../engine/runtimes/channel.js';
import { writeFile } from 'node:fs/promises';

const TASK: ScrapeTaskOptions = {
  timeoutMs: 10_000, connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, retries: 2, backoffMs: 50, maxRetryAfterMs: 5_000,
  maxRedirects: 10, maxBytes: 10 * 2 ** 20, userAgent: 'fanout-demo', headers: {}, selectors: [], links: false, saveDir: null,
  connectionsPerOrigin: 4,
};

export async function runDemo(o: { signal: AbortSignal; out: Writable }): Promise<boolean> {
  const site = await startSiteServer({ hosts: 4, latencyMs: 20, log: false });
  const dir = await mkdtemp(join(tmpdir(), 'fanout-demo-'));
  try {
    const urls = Array.from({ length: 400 }, (_, i) => `${site.urls[i % 4]}/page/${i}`);
    urls.splice(100, 0, `${site.url}/status/404`, 'not a url', `${site.url}/flaky/1`);
    const input = join(dir, 'urls.txt');
    await writeFile(input, urls.join('\n') + '\n');
    o.out.write(`fanout demo: ${urls.length} URLs over ${site.urls.length} loopback hosts (20 ms latency), --concurrency 32 --per-host 4\n\n`);
    let allSame = true;
    let firstHash = '';
    for (const [mode, workers] of [['async', 1], ['threads', 2], ['procs', 2]] as [Mode, number][]) {
      if (o.signal.aborted) break;
      site.reset(); // so the flaky URL fails once for every strategy
      const s = await scrape({
        input, output: join(dir, `${mode}.jsonl`), format: 'jsonl', resume: false, mode, workers, concurrency: 32, ordered: true,
        perHost: 4, respectRobots: false, task: TASK, signal: o.signal,
      });
      firstHash ||= s.resultHash;
      allSame &&= s.resultHash === firstHash;
      const label = mode === 'async' ? 'async' : `${mode} ${workers}`;
      o.out.write(`  ${label.padEnd(10)} ${(s.elapsedMs / 1000).toFixed(2)} s  ${s.ok} ok, ${s.failed} failed (${Object.keys(s.byErrorCode).join(', ')}), ${s.retries} retries\n`);
    }
    o.out.write(`\n${allSame ? 'every strategy wrote the same records' : 'STRATEGIES DIFFER'} (timings aside); per host at most ${site.maxConcurrent()} requests at once (limit 4)\n`);
    return allSame;
  } finally {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
}
