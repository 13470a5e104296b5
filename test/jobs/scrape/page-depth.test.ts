import { describe, expect, it } from 'vitest';
import { pageContent, pageReport } from '../../../src/jobs/scrape/page-record.js';
import type { ExtractOptions } from '../../../src/jobs/scrape/extract.js';
import type { Selector } from '../../../src/jobs/scrape/record.js';

/** The hostile page of the report: 100,000 <div>s never closed (1.1 MB), in a body after a normal head. */
const DEEP = `<html><head><title>deep</title></head><body>${'<div>'.repeat(100_000)}x`;

function record(html: string, opts: ExtractOptions) {
  const body = Buffer.from(html);
  const page = { finalUrl: 'http://h/', status: 200, contentType: 'text/html', bytes: body.length, body, error: null };
  return pageReport(page, pageContent(page, opts), undefined, 0);
}

const sel = (css: string, kind: Selector['kind'] = 'text'): ExtractOptions => ({ selectors: [{ name: 's', css, kind }], links: false });

describe('a page nested too deeply to parse', () => {
  it.each([
    ['a descendant selector (cheerio)', sel('div span')],
    ['a child selector (cheerio)', sel('div > div')],
    ['all texts of a descendant selector (cheerio)', sel('body div', 'all')],
    ['a simple selector (streamed)', sel('div', 'all')],
    ['--links', { selectors: [], links: true }],
  ])('fails fast with PAGE_TOO_DEEP for %s, keeping status and size', (_what, opts) => {
    const started = performance.now();
    const r = record(DEEP, opts);
    expect(performance.now() - started).toBeLessThan(3_000); // was 55 s, or a stack overflow (TASK_FAILED)
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('PAGE_TOO_DEEP');
    expect(r.status).toBe(200);
    expect(r.bytes).toBe(Buffer.byteLength(DEEP));
    if (opts.selectors.length) expect(r.data).toEqual({ s: null }); // as in every failed record
  });

  it('fails fast with PAGE_TOO_DEEP for the title when the deep elements have no <body> before them', () => {
    const started = performance.now();
    const r = record(`<title>t</title>${'<div>'.repeat(100_000)}`, { selectors: [], links: false });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(r.error?.code).toBe('PAGE_TOO_DEEP');
  });

  it('fails fast when a million elements sit 500 levels deep under a descendant selector', () => {
    // Under the depth cap, but css-select would walk 500 ancestors for each of them (47 s measured).
    const html = `<html><body>${'<div>'.repeat(500)}${'<i></i>'.repeat(1_000_000)}`;
    const started = performance.now();
    const r = record(html, sel('span i'));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(r.error?.code).toBe('PAGE_TOO_DEEP');
  });

  it.each([
    ['streamed', '.x'],
    ['cheerio', 'body .x'],
  ])('fails fast when --select-all values would repeat the text of 500 nested matches (%s)', (_path, css) => {
    // 2 MB of text inside 500 nested matches: 1 GB of values, 37 s and a string too long to write, before.
    const html = `<html><body>${'<div class="x">'.repeat(500)}${'y'.repeat(2_000_000)}`;
    const started = performance.now();
    const r = record(html, sel(css, 'all'));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(r.error?.code).toBe('PAGE_TOO_DEEP');
  });

  it('still reads a page nested 500 deep, by every path', () => {
    const html = `<html><head><title>ok</title></head><body>${'<div class="d">'.repeat(500)}<a href="/x">deep text</a>`;
    const cheerio = record(html, { selectors: [{ name: 'a', css: 'div > a', kind: 'text' }, { name: 'n', css: 'body div.d', kind: 'all' }], links: true });
    expect(cheerio.ok).toBe(true);
    expect(cheerio.title).toBe('ok');
    expect(cheerio.data!.a).toBe('deep text');
    expect(cheerio.data!.n).toHaveLength(500);
    expect(cheerio.links).toEqual(['http://h/x']);
    const streamed = record(html, { selectors: [{ name: 'a', css: 'a', kind: 'text' }, { name: 'n', css: 'div.d', kind: 'all' }], links: true });
    expect(streamed.ok).toBe(true);
    expect(streamed.data!.a).toBe('deep text');
    expect(streamed.data!.n).toHaveLength(500);
  });
});
