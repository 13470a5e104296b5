import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { mapAhead, RobotsGate } from '../../../src/jobs/scrape/robots-gate.js';

/** A promise and the function that resolves it. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('mapAhead', () => {
  it('passes a result on as soon as it is ready, while the source waits for its next line (a stream on stdin)', async () => {
    const more = gate();
    async function* stream() {
      yield 1;
      await more.promise; // nobody has typed the next line yet
      yield 2;
    }
    const out = mapAhead(stream(), async (n) => n * 10, 64);
    expect(await out.next()).toEqual({ value: 10, done: false });
    more.open();
    expect(await out.next()).toEqual({ value: 20, done: false });
    expect((await out.next()).done).toBe(true);
  }, 10_000);

  it('keeps input order when later calls finish first, with at most `ahead` calls in flight', async () => {
    const calls = [gate<string>(), gate<string>(), gate<string>()];
    let started = 0;
    const out = mapAhead((async function* () { yield* [0, 1, 2]; })(), (i) => (started++, calls[i].promise), 2);
    const first = out.next();
    await new Promise((r) => setImmediate(r)); // let it read ahead as far as it may
    expect(started).toBe(2);
    calls[1].open('b');
    calls[0].open('a');
    expect(await first).toEqual({ value: 'a', done: false });
    const second = await out.next();
    expect(second).toEqual({ value: 'b', done: false });
    calls[2].open('c');
    expect((await out.next()).value).toBe('c');
    expect((await out.next()).done).toBe(true);
  });

  it('passes a failed call on as its rejection, in its place', async () => {
    const out = mapAhead((async function* () { yield* [1, 2]; })(), async (n) => {
      if (n === 1) throw new Error('no robots for you');
      return n;
    }, 8);
    await expect(out.next()).rejects.toThrow('no robots for you');
  });
});

describe('RobotsGate', () => {
  /** A loopback server answering robots.txt paths from a table: [status, headers, body]. */
  async function robotsServer(routes: Record<string, [number, Record<string, string>, string]>) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url!);
      const [status, headers, body] = routes[req.url!] ?? [404, {}, 'no'];
      res.writeHead(status, headers).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('follows a redirected robots.txt (RFC 9309: at least five hops) and obeys the file it leads to', async () => {
    const hops: Record<string, [number, Record<string, string>, string]> = {};
    for (let i = 0; i < 5; i++) hops[i === 0 ? '/robots.txt' : `/r${i}`] = [i % 2 ? 302 : 301, { location: `/r${i + 1}` }, ''];
    hops['/r5'] = [200, { 'content-type': 'text/plain' }, 'User-agent: *\nDisallow: /ok\nCrawl-delay: 2\n'];
    const site = await robotsServer(hops);
    const agent = new Agent();
    try {
      const gate = new RobotsGate(agent, 'fanout-test/1', 10_000, 60_000);
      expect(await gate.allowed(`${site.origin}/ok`)).toBe(false);
      expect(await gate.allowed(`${site.origin}/other`)).toBe(true);
      expect(gate.crawlDelays.get(site.origin)).toBe(2000);
      expect(site.seen).toEqual(['/robots.txt', '/r1', '/r2', '/r3', '/r4', '/r5']);
    } finally {
      await agent.close();
      await site.close();
    }
  }, 20_000);

  it('treats a sixth redirect, or one to another scheme, as no robots.txt', async () => {
    const hops: Record<string, [number, Record<string, string>, string]> = {};
    for (let i = 0; i < 6; i++) hops[i === 0 ? '/robots.txt' : `/r${i}`] = [301, { location: `/r${i + 1}` }, ''];
    hops['/r6'] = [200, {}, 'User-agent: *\nDisallow: /\n'];
    const far = await robotsServer(hops);
    const ftp = await robotsServer({ '/robots.txt': [301, { location: 'ftp://127.0.0.1/robots.txt' }, ''] });
    const agent = new Agent();
    try {
      const gate = new RobotsGate(agent, 'fanout-test/1', 10_000);
      expect(await gate.allowed(`${far.origin}/x`)).toBe(true);
      expect(far.seen).not.toContain('/r6');
      expect(await gate.allowed(`${ftp.origin}/x`)).toBe(true);
    } finally {
      await agent.close();
      await far.close();
      await ftp.close();
    }
  }, 20_000);
});
