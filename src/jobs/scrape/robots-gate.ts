/**
 * --respect-robots, on the coordinator: robots.txt is fetched once per origin (shared by every worker), URLs
 * it disallows are marked so the task answers ROBOTS_DISALLOWED without fetching, and a Crawl-delay is handed
 * to the keyed semaphore to pace that origin, capped at `maxCrawlDelayMs` (--max-retry-after: a robots.txt asking
 * for a day between requests would otherwise park that origin's URLs for the whole run). A robots.txt that cannot
 * be fetched (4xx, 5xx, network) allows everything, as most crawlers do. Only its first 512 KiB are read (RFC 9309
 * asks parsers for at least 500 KiB). Redirects are followed, to other hosts too, up to five hops (RFC 9309
 * 2.3.1.2), all within the one timeout; a sixth redirect counts as no robots.txt.
 */
import type { Dispatcher } from './undici.js';
import { parseRobots } from './robots.js';

export interface RobotsVerdict {
  isAllowed(pathWithQuery: string): boolean;
  crawlDelayMs: number | undefined;
}

const ALLOW_ALL: RobotsVerdict = { isAllowed: () => true, crawlDelayMs: undefined };
const MAX_ROBOTS_BYTES = 512 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class RobotsGate {
  private readonly cache = new Map<string, Promise<RobotsVerdict>>();
  /** Crawl-delay per origin, for the keyed semaphore. */
  readonly crawlDelays = new Map<string, number>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly userAgent: string,
    private readonly timeoutMs: number,
    private readonly maxCrawlDelayMs = Infinity,
  ) {}

  /** Whether `url` may be fetched; null for a URL that is not http(s) (the task reports it). */
  async allowed(url: string): Promise<boolean | null> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return null;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    let verdict = this.cache.get(u.origin);
    if (!verdict) {
      verdict = this.fetchRobots(u.origin);
      this.cache.set(u.origin, verdict);
    }
    return (await verdict).isAllowed(u.pathname + u.search);
  }

  private async fetchRobots(origin: string): Promise<RobotsVerdict> {
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      let url = `${origin}/robots.txt`;
      for (let hop = 0; ; hop++) {
        const target = new URL(url);
        const res = await this.dispatcher.request({
          origin: target.origin,
          path: target.pathname + target.search,
          method: 'GET',
          headers: { 'user-agent': this.userAgent },
          signal,
        });
        const location = res.headers.location;
        if (REDIRECTS.has(res.statusCode) && hop < MAX_REDIRECTS && typeof location === 'string') {
          await res.body.dump();
          const next = new URL(location, url);
          if (next.protocol !== 'http:' && next.protocol !== 'https:') return ALLOW_ALL;
          url = next.href;
          continue;
        }
        if (res.statusCode !== 200) {
          await res.body.dump();
          return ALLOW_ALL;
        }
        return await this.readRobots(origin, res.body);
      }
    } catch {
      return ALLOW_ALL;
    }
  }

  private async readRobots(origin: string, body: AsyncIterable<unknown>): Promise<RobotsVerdict> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes >= MAX_ROBOTS_BYTES) break;
    }
    // Decoded whole, so a character split across two chunks stays one character.
    const text = Buffer.concat(chunks).subarray(0, MAX_ROBOTS_BYTES).toString('utf8');
    const robots = parseRobots(text, this.userAgent);
    // The Crawl-delay paces the origin the URLs belong to, wherever the file came from.
    if (robots.crawlDelayMs !== undefined) this.crawlDelays.set(origin, Math.min(robots.crawlDelayMs, this.maxCrawlDelayMs));
    return robots;
  }
}

/**
 * Maps an async iterable through an async function with up to `ahead` calls in flight, keeping order, so one
 * slow robots.txt does not stall the URLs behind it that belong to origins already known. A result goes out as
 * soon as it and those before it are done, not when `ahead` items have been read: a list streamed on stdin
 * (`tail -f urls | fanout scrape - --respect-robots`) moves with each line.
 */
export async function* mapAhead<T, U>(source: AsyncIterable<T>, fn: (t: T) => Promise<U>, ahead: number): AsyncGenerator<U> {
  const it = source[Symbol.asyncIterator]();
  const pending: Promise<U>[] = [];
  let next: Promise<IteratorResult<T>> | null = null;
  let done = false;
  try {
    while (!done || pending.length > 0) {
      if (!done && !next && pending.length < ahead) next = it.next();
      // Whichever comes first: the oldest result (yield it) or the next item (start its call).
      const headReady = pending.length > 0 ? pending[0].then(() => true, () => true) : null;
      const first = headReady && next ? await Promise.race([headReady, next.then(() => false)]) : headReady !== null;
      if (first) {
        yield await pending.shift()!;
        continue;
      }
      const r = await next!;
      next = null;
      if (r.done) done = true;
      else {
        const p = fn(r.value);
        p.catch(() => {}); // awaited above, in order
        pending.push(p);
      }
    }
  } finally {
    // Stopped early (the run was cancelled): a read still pending (stdin) would block return(), so it is not awaited.
    if (!done) void it.return?.();
  }
}
