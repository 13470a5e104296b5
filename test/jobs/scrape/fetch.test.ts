import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { until } from '../../../fixtures/scrape-options.js';
import { fetchPage, type FetchOptions } from '../../../src/jobs/scrape/fetch.js';

// A self-signed test certificate for DNS:localhost only, valid until 2126 (made with: openssl req -x509 -newkey ec
// -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost).
const TLS_CERT = readFileSync(new URL('../../../fixtures/tls/localhost-cert.pem', import.meta.url));
const TLS_KEY = readFileSync(new URL('../../../fixtures/tls/localhost-key.pem', import.meta.url));

let site: SiteServer;
let agent: Agent;

const options = (o: Partial<FetchOptions> = {}): FetchOptions => ({
  timeoutMs: 5_000,
  idleTimeoutMs: 5_000,
  maxRedirects: 10,
  maxBytes: 10 * 1024 * 1024,
  headers: { 'user-agent': 'fanout-test', 'accept-encoding': 'gzip, deflate, br' },
  ...o,
});

beforeAll(async () => {
  site = await startSiteServer({ hosts: 2 });
  agent = new Agent({ connections: 8, connect: { timeout: 2_000 } });
});
afterAll(async () => {
  await agent.close();
  await site.close();
});

describe('fetchPage', () => {
  it('fetches a page with its status, content type and size', async () => {
    const res = await fetchPage(`${site.url}/page/a`, options(), agent);
    expect(res).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8', bytes: 8192, error: null, finalUrl: `${site.url}/page/a` });
    expect(res.body!.toString()).toContain('<title>Page /page/a</title>');
  });

  it('decodes gzip, deflate (wrapped and raw) and br bodies to the same bytes', async () => {
    const plain = (await fetchPage(`${site.url}/page/z`, options(), agent)).body!;
    for (const enc of ['gzip', 'deflate', 'deflate-raw', 'br']) {
      const res = await fetchPage(`${site.url}/page/z?enc=${enc}`, options(), agent);
      expect(res.error, enc).toBeNull();
      expect(res.body!.equals(plain), enc).toBe(true);
    }
  });

  it('reports a corrupt gzip body as DECODE and an unknown coding as DECODE', async () => {
    expect((await fetchPage(`${site.url}/corrupt-gzip`, options(), agent)).error?.code).toBe('DECODE');
    const unknown = await fetchPage(`${site.url}/page/q?enc=zstd`, options(), agent);
    expect(unknown.error).toMatchObject({ code: 'DECODE', message: expect.stringContaining('zstd') });
  });

  it('reports a gzip, deflate (wrapped and raw) or br body cut short as DECODE, never as a partial page', async () => {
    for (const enc of ['gzip', 'deflate', 'deflate-raw', 'br']) {
      // 300 KB of page, so half the compressed stream already inflates to a good part of it.
      const res = await fetchPage(`${site.url}/page/cut?bytes=300000&enc=${enc}&cut=1`, options(), agent);
      expect(res.error, enc).toMatchObject({ code: 'DECODE', message: expect.stringContaining('cut short') });
      expect(res.body, enc).toBeNull();
      expect(res.status, enc).toBe(200);
    }
  });

  it('reads a complete gzip, deflate or br body whole although stray bytes follow it, as browsers do', async () => {
    const plain = (await fetchPage(`${site.url}/page/tail?bytes=20000`, options(), agent)).body!;
    for (const enc of ['gzip', 'deflate', 'deflate-raw', 'br']) {
      const res = await fetchPage(`${site.url}/page/tail?bytes=20000&enc=${enc}&tail=%0D%0Ajunk`, options(), agent);
      expect(res.error, enc).toBeNull();
      expect(res.body!.equals(plain), enc).toBe(true);
    }
  });

  it('follows relative and absolute redirects and reports the final URL', async () => {
    const res = await fetchPage(`${site.url}/redirect/3`, options(), agent);
    expect(res).toMatchObject({ status: 200, finalUrl: `${site.url}/redirect/0`, error: null });
    const abs = await fetchPage(`${site.url}/redirect/2?abs=1`, options(), agent);
    expect(abs).toMatchObject({ status: 200, finalUrl: `${site.url}/redirect/0`, error: null });
  });

  it('follows exactly --max-redirects redirects and fails on one more with TOO_MANY_REDIRECTS', async () => {
    expect((await fetchPage(`${site.url}/redirect/3`, options({ maxRedirects: 3 }), agent)).error).toBeNull();
    const res = await fetchPage(`${site.url}/redirect/4`, options({ maxRedirects: 3 }), agent);
    expect(res.error?.code).toBe('TOO_MANY_REDIRECTS');
    expect(res.status).toBe(302);
  });

  it('detects a redirect loop long before the redirect limit', async () => {
    const res = await fetchPage(`${site.url}/redirect-loop`, options({ maxRedirects: 1000 }), agent);
    expect(res.error).toMatchObject({ code: 'TOO_MANY_REDIRECTS', message: expect.stringContaining('loop') });
    expect(site.log.filter((e) => e.path.startsWith('/redirect-loop')).length).toBeLessThanOrEqual(3);
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const headers = { ...options().headers, authorization: 'Bearer secret', 'x-custom': 'kept' };
    const target = `${site.urls[1]}/echo-headers`;
    const res = await fetchPage(`${site.url}/redirect-to?url=${encodeURIComponent(target)}`, options({ headers }), agent);
    const seen = JSON.parse(res.body!.toString());
    expect(seen['x-custom']).toBe('kept');
    expect(seen.authorization).toBeUndefined();
  });

  it('reports a destroyed socket as CONNECTION_RESET, before or during the body', async () => {
    expect((await fetchPage(`${site.url}/reset`, options(), agent)).error?.code).toBe('CONNECTION_RESET');
    const mid = await fetchPage(`${site.url}/reset?mid=1`, options(), agent);
    expect(mid.error?.code).toBe('CONNECTION_RESET');
    expect(mid.status).toBe(200);
  });

  it('says whether a lost connection came before the answer or cut its body short, naming the server', async () => {
    const host = new URL(site.url).host;
    const before = await fetchPage(`${site.url}/reset`, options(), agent);
    expect(before.error?.message).toMatch(new RegExp(`^the connection to ${host} was closed before it answered \\(`));
    // The headers promised 10,000 bytes; about half came before the socket was destroyed.
    const mid = await fetchPage(`${site.url}/reset?mid=1`, options(), agent);
    expect(mid.error?.message).toMatch(new RegExp(`^the connection to ${host} was closed in the middle of the body: the answer is incomplete \\(`));
    expect(mid.body).toBeNull();
  });

  it('reports a closed port as CONNECTION_REFUSED', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const res = await fetchPage(`http://127.0.0.1:${port}/`, options(), agent);
    expect(res).toMatchObject({ status: null, finalUrl: null, error: { code: 'CONNECTION_REFUSED' } });
  });

  it('reports a name that does not resolve as DNS', async () => {
    // The resolver is stubbed so the test never leaves loopback.
    const lookup = (_host: string, _o: unknown, cb: (err: Error) => void) =>
      cb(Object.assign(new Error('getaddrinfo ENOTFOUND no-such-host.invalid'), { code: 'ENOTFOUND' }));
    const dnsAgent = new Agent({ connect: { lookup } as never });
    const res = await fetchPage('http://no-such-host.invalid/', options(), dnsAgent);
    await dnsAgent.close();
    expect(res.error?.code).toBe('DNS');
  });

  it('reports a TLS handshake with a plain HTTP server as TLS', async () => {
    const res = await fetchPage(site.url.replace('http:', 'https:') + '/page/x', options(), agent);
    expect(res.error?.code).toBe('TLS');
  });

  it('says in words, on one line, that an https URL reached a plain HTTP server', async () => {
    const host = new URL(site.url).host;
    const res = await fetchPage(site.url.replace('http:', 'https:') + '/page/x', options(), agent);
    expect(res.error).toEqual({ code: 'TLS', message: `TLS handshake failed: the server at ${host} does not speak TLS (plain HTTP? try http://)` });
  });

  it('names a certificate problem in words with the host: self-signed, or issued for another name', async () => {
    const tls = createHttpsServer({ cert: TLS_CERT, key: TLS_KEY }, (_req, res) => res.end('hello'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const trusting = new Agent({ connect: { ca: TLS_CERT } });
    try {
      const selfSigned = await fetchPage(`https://${host}/`, options(), agent);
      expect(selfSigned.error).toEqual({
        code: 'TLS',
        message: `the TLS certificate of ${host} is self-signed, not issued by a trusted authority (DEPTH_ZERO_SELF_SIGNED_CERT); to trust it, give --cacert FILE (its authority, or the certificate itself), or -k to check no certificate`,
      });
      const otherName = await fetchPage(`https://${host}/`, options(), trusting);
      expect(otherName.error).toEqual({
        code: 'TLS',
        message: `the TLS certificate of ${host} is not valid for this name: it names DNS:localhost (ERR_TLS_CERT_ALTNAME_INVALID)`,
      });
    } finally {
      await trusting.close();
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });

  it('says which limit ran out: no headers, a stalled body, or the whole attempt', async () => {
    const host = new URL(site.url).host;
    const noHeaders = await fetchPage(`${site.url}/hang?id=words`, options({ idleTimeoutMs: 200, timeoutMs: 60_000 }), agent);
    expect(noHeaders.error).toEqual({ code: 'TIMEOUT', message: `no response headers from ${host} within 200 ms (--idle-timeout)` });
    const stalled = await fetchPage(`${site.url}/stall`, options({ idleTimeoutMs: 200, timeoutMs: 60_000 }), agent);
    expect(stalled.error).toEqual({ code: 'TIMEOUT', message: `the body from ${host} stalled: no data for 200 ms (--idle-timeout)` });
    expect(stalled.status).toBe(200);
    const whole = await fetchPage(`${site.url}/trickle?ms=20&id=words`, options({ timeoutMs: 300, idleTimeoutMs: 5_000 }), agent);
    expect(whole.error).toEqual({ code: 'TIMEOUT', message: 'no complete answer within 300 ms (--timeout)' });
  });

  it('rejects URLs that are not http(s) as INVALID_URL without a request', async () => {
    for (const url of ['ftp://example.test/x', 'not a url', '', 'javascript:alert(1)', 'http://']) {
      expect((await fetchPage(url, options(), agent)).error?.code, url).toBe('INVALID_URL');
    }
  });

  it('cuts off a server that never answers at the idle timeout', async () => {
    const started = Date.now();
    // The whole-attempt timeout is far off, so only the idle timeout can end this well within 10 s.
    const res = await fetchPage(`${site.url}/hang`, options({ idleTimeoutMs: 200, timeoutMs: 60_000 }), agent);
    expect(res.error?.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('cuts off a trickling server at the whole-attempt timeout although bytes keep coming', async () => {
    const started = Date.now();
    const res = await fetchPage(`${site.url}/trickle?ms=20`, options({ timeoutMs: 300, idleTimeoutMs: 1_000 }), agent);
    expect(res.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('300 ms') });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000); // the trickle never stops: only the 300 ms timeout ends it
  });

  it('refuses a body announced larger than maxBytes without reading it', async () => {
    const res = await fetchPage(`${site.url}/big/5000000`, options({ maxBytes: 100_000 }), agent);
    expect(res.error?.code).toBe('BODY_TOO_LARGE');
    expect(res.body).toBeNull();
  });

  it('aborts a chunked body mid-download once it passes maxBytes', async () => {
    const total = 20_000_000;
    const res = await fetchPage(`${site.url}/big/${total}?chunked=1`, options({ maxBytes: 100_000 }), agent);
    expect(res.error?.code).toBe('BODY_TOO_LARGE');
    await until(() => site.log.some((e) => e.path.startsWith(`/big/${total}`) && e.end !== null));
    const entry = site.log.find((e) => e.path.startsWith(`/big/${total}`))!;
    expect(entry.aborted).toBe(true);
    expect(entry.bytesSent).toBeLessThan(total / 2);
  });

  it('cuts a gzip bomb off at maxBytes with BODY_TOO_LARGE, and memory stays flat', async () => {
    const maxBytes = 1024 * 1024;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    // 64 GiB once inflated, about 66 MB on the wire.
    const res = await fetchPage(`${site.url}/gzip-bomb?mb=65536`, options({ maxBytes }), agent);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(res.error?.code).toBe('BODY_TOO_LARGE');
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    await until(() => site.log.some((e) => e.path.startsWith('/gzip-bomb') && e.end !== null));
    const entry = site.log.find((e) => e.path.startsWith('/gzip-bomb'))!;
    expect(entry.aborted).toBe(true);
    expect(entry.bytesSent).toBeLessThan(20_000_000); // the download was stopped early, not drained
  });

  it('discards the body unread when readBodyOf says so', async () => {
    const res = await fetchPage(`${site.url}/status/503`, options({ readBodyOf: (s) => s !== 503 }), agent);
    expect(res).toMatchObject({ status: 503, body: null, bytes: 0, error: null });
  });

  it('throws the cancellation reason instead of returning a result', async () => {
    const controller = new AbortController();
    const pending = fetchPage(`${site.url}/hang?id=cancel`, options(), agent, controller.signal);
    await until(() => site.log.some((e) => e.path === '/hang?id=cancel'));
    const reason = new Error('cancelled by test');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
