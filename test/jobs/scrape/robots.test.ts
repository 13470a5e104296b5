import { describe, expect, it } from 'vitest';
import { compilePattern, parseRobots } from '../../../src/jobs/scrape/robots.js';

const UA = 'fanout/0.1 (+https://example.test/bot)';

describe('parseRobots', () => {
  it('allows everything for an empty file or one without groups', () => {
    expect(parseRobots('', UA).isAllowed('/anything')).toBe(true);
    expect(parseRobots('Disallow: /\n', UA).isAllowed('/x')).toBe(true); // a rule outside any group
  });

  it('applies the * group when no group names us', () => {
    const r = parseRobots('User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n', UA);
    expect(r.isAllowed('/private/x')).toBe(false);
    expect(r.isAllowed('/public')).toBe(true);
  });

  it('prefers the group naming our product token over *, case-insensitively', () => {
    const r = parseRobots('User-agent: *\nDisallow: /\n\nUser-agent: FanOut\nDisallow: /admin\n', UA);
    expect(r.isAllowed('/page')).toBe(true);
    expect(r.isAllowed('/admin/x')).toBe(false);
  });

  it('finds our token anywhere in a browser-like user agent, but only as a whole word', () => {
    const robots = 'User-agent: fanout\nDisallow: /x\n';
    expect(parseRobots(robots, 'Mozilla/5.0 (compatible; fanout/0.1)').isAllowed('/x')).toBe(false);
    expect(parseRobots(robots, 'fanoutish/1.0').isAllowed('/x')).toBe(true);
  });

  it('merges several groups that name us, and groups sharing user-agent lines', () => {
    const r = parseRobots('User-agent: a\nUser-agent: fanout\nDisallow: /one\n\nUser-agent: fanout\nDisallow: /two\n', UA);
    expect(r.isAllowed('/one')).toBe(false);
    expect(r.isAllowed('/two')).toBe(false);
    expect(r.isAllowed('/three')).toBe(true);
  });

  it('lets the longest matching rule win, and Allow win a tie', () => {
    const r = parseRobots('User-agent: *\nDisallow: /shop\nAllow: /shop/public\nAllow: /same\nDisallow: /same\n', UA);
    expect(r.isAllowed('/shop/cart')).toBe(false);
    expect(r.isAllowed('/shop/public/item')).toBe(true);
    expect(r.isAllowed('/same')).toBe(true);
  });

  it('supports * wildcards and the $ end anchor, on path and query', () => {
    const r = parseRobots('User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?session=\nDisallow: /a*b/\n', UA);
    expect(r.isAllowed('/docs/file.pdf')).toBe(false);
    expect(r.isAllowed('/docs/file.pdf?x=1')).toBe(true);
    expect(r.isAllowed('/page?session=42')).toBe(false);
    expect(r.isAllowed('/axxb/c')).toBe(false);
    expect(r.isAllowed('/ab')).toBe(true);
  });

  it('treats an empty Disallow as allowing everything', () => {
    expect(parseRobots('User-agent: *\nDisallow:\n', UA).isAllowed('/x')).toBe(true);
  });

  it('always allows /robots.txt itself', () => {
    expect(parseRobots('User-agent: *\nDisallow: /\n', UA).isAllowed('/robots.txt')).toBe(true);
  });

  it('matches percent-encoded and non-ASCII patterns octet for octet', () => {
    const r = parseRobots('User-agent: *\nDisallow: /café\nDisallow: /a%2fb\n', UA);
    expect(r.isAllowed(new URL('http://x/café/menu').pathname)).toBe(false);
    expect(r.isAllowed('/a%2Fb')).toBe(false);
  });

  it('ignores comments, blank lines, CRLF line ends, a BOM and unknown fields', () => {
    const r = parseRobots('\uFEFF# hello\r\nUser-agent: * # all\r\nSitemap: http://x/s.xml\r\nDisallow: /tmp # temp\r\n', UA);
    expect(r.isAllowed('/tmp/x')).toBe(false);
    expect(r.isAllowed('/tmpx')).toBe(false);
    expect(r.isAllowed('/other')).toBe(true);
  });

  it("reads Crawl-delay from the chosen group only, in ms", () => {
    const robots = 'User-agent: *\nCrawl-delay: 5\n\nUser-agent: fanout\nCrawl-delay: 0.5\nDisallow: /x\n';
    expect(parseRobots(robots, UA).crawlDelayMs).toBe(500);
    expect(parseRobots(robots, 'otherbot/1').crawlDelayMs).toBe(5000);
    expect(parseRobots('User-agent: *\nCrawl-delay: soon\n', UA).crawlDelayMs).toBeUndefined();
    expect(parseRobots('User-agent: *\nDisallow: /x\n', UA).crawlDelayMs).toBeUndefined();
  });

  it('disallows everything for Disallow: / and keeps the root path "/" when given an empty path', () => {
    const r = parseRobots('User-agent: *\nDisallow: /\n', UA);
    expect(r.isAllowed('/')).toBe(false);
    expect(r.isAllowed('')).toBe(false);
  });

  it('decides a Disallow of 40 wildcards against a 61-character path in well under a second', () => {
    const r = parseRobots(`User-agent: *\nDisallow: /${'*a'.repeat(40)}*X\nDisallow: /${'*a'.repeat(40)}*b$\n`, UA);
    const started = performance.now();
    expect(r.isAllowed(`/${'a'.repeat(60)}`)).toBe(true);
    expect(r.isAllowed(`/${'a'.repeat(59)}b`)).toBe(false);
    expect(r.isAllowed(`/${'a'.repeat(60)}X`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

/** The obvious definition of a robots.txt pattern, as a regex: right, but exponential on hostile patterns. */
function reference(pattern: string): (path: string) => boolean {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}${anchored ? '$' : ''}`, 's');
  return (path) => re.test(path);
}

describe('compilePattern', () => {
  it('matches like the regex definition on every short pattern and path over a small alphabet', () => {
    // Every pattern of up to 5 symbols from {a, b, *} with and without $, against every path of up to 5 letters.
    const words = (alphabet: string[], max: number): string[] => {
      const out = [''];
      for (let i = 0; i < out.length; i++) if (out[i]!.length < max) for (const c of alphabet) out.push(out[i] + c);
      return out;
    };
    const paths = words(['a', 'b'], 5);
    let checked = 0;
    for (const body of words(['a', 'b', '*'], 5)) {
      for (const pattern of [body, `${body}$`]) {
        const fast = compilePattern(pattern);
        const slow = reference(pattern);
        for (const path of paths) {
          if (fast(path) !== slow(path)) throw new Error(`${JSON.stringify(pattern)} on ${JSON.stringify(path)}: ${fast(path)}, expected ${slow(path)}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('treats a $ that does not end the pattern as a literal character', () => {
    expect(compilePattern('/a$b')('/a$bc')).toBe(true);
    expect(compilePattern('/a$b$')('/a$bc')).toBe(false);
    expect(compilePattern('/a*$')('/a/x')).toBe(true);
  });
});
