import { describe, expect, it } from 'vitest';
import { checkSelectors, emptyExtract, extract, headOf, isHtml } from '../../../src/jobs/scrape/extract.js';
import type { Selector } from '../../../src/jobs/scrape/record.js';

const HEAD_ONLY = { selectors: [], links: false };
const PAGE = 'http://shop.test/catalog/index.html';

const PRODUCTS = `<!doctype html><html><head><title>Shop</title><meta name="description" content="Things"></head><body>
<h1 class="headline">  Our
  products </h1>
<div class="product"><h2>Kettle</h2><span class="price">€20</span><a class="more" href="/p/kettle">more</a></div>
<div class="product"><h2>Toaster</h2><span class="price">€35</span><a class="more" href="/p/toaster">more</a></div>
<div class="product"><h2>Mixer</h2><span class="price">€99</span></div>
</body></html>`;

describe('title and description', () => {
  it('decodes entities, collapses whitespace and trims the title', () => {
    const html = '<html><head><title>\n  Fish &amp; Chips &lt;3   &#x263A;\n\t&eacute;t&eacute; </title></head></html>';
    expect(extract(html, PAGE, HEAD_ONLY).title).toBe('Fish & Chips <3 ☺ été');
  });

  it('keeps a no-break space inside a title, as document.title does', () => {
    expect(extract('<title>a&nbsp;b</title>', PAGE, HEAD_ONLY).title).toBe('a\u00a0b');
  });

  it('gives null for a missing title or description, and "" for an empty title', () => {
    expect(extract('<html><head></head><body>x</body></html>', PAGE, HEAD_ONLY)).toEqual({ title: null, description: null });
    expect(extract('<title></title>', PAGE, HEAD_ONLY).title).toBe('');
  });

  it('reads the first meta description whatever the case of its name', () => {
    const html = '<head><meta name="Description" content="  Tom &amp; Jerry\n forever "><meta name="description" content="second"></head>';
    expect(extract(html, PAGE, HEAD_ONLY).description).toBe('Tom & Jerry forever');
  });

  it('takes the first title when there are several', () => {
    expect(extract('<head><title>one</title><title>two</title></head>', PAGE, HEAD_ONLY).title).toBe('one');
  });

  it('reads the title of a page that has no head or body tags at all', () => {
    expect(extract('<title>Bare</title><p>text', PAGE, HEAD_ONLY).title).toBe('Bare');
  });

  it('parses only up to </head> or <body> for the head fields', () => {
    expect(headOf('<html><head><title>t</title></head><body><title>svg</title></body>')).toBe('<html><head><title>t</title>');
    expect(headOf('<title>t</title><BODY class=x><p>')).toBe('<title>t</title>');
    expect(headOf('<title>t</title>')).toBe('<title>t</title>');
    // A title inside the body (an SVG's) is never taken for the page's.
    expect(extract('<html><head></head><body><svg><title>icon</title></svg></body>', PAGE, HEAD_ONLY).title).toBeNull();
  });
});

describe('selectors', () => {
  const selectors: Selector[] = [
    { name: 'headline', css: 'h1.headline', kind: 'text' },
    { name: 'names', css: '.product h2', kind: 'all' },
    { name: 'firstLink', css: 'a.more', kind: 'attr', attr: 'href' },
    { name: 'missing', css: '.nothing', kind: 'text' },
    { name: 'none', css: '.nothing', kind: 'all' },
    { name: 'noAttr', css: 'h1', kind: 'attr', attr: 'data-x' },
  ];

  it('extracts the text of the first match, the texts of all, and an attribute of the first', () => {
    const out = extract(PRODUCTS, PAGE, { selectors, links: false });
    expect(out.title).toBe('Shop');
    expect(out.data).toEqual({
      headline: 'Our products',
      names: ['Kettle', 'Toaster', 'Mixer'],
      firstLink: '/p/kettle',
      missing: null,
      none: [],
      noAttr: null,
    });
  });

  it('fills every selector with null when nothing was parsed', () => {
    expect(emptyExtract({ selectors, links: true })).toEqual({
      title: null,
      description: null,
      data: { headline: null, names: null, firstLink: null, missing: null, none: null, noAttr: null },
      links: [],
    });
  });

  it('refuses CSS that cannot compile with BAD_SELECTOR', () => {
    expect(() => checkSelectors([{ name: 'bad', css: 'a[[', kind: 'text' }])).toThrow(expect.objectContaining({ code: 'BAD_SELECTOR' }));
    expect(() => checkSelectors([{ name: 'x', css: 'a', kind: 'attr' }])).toThrow(expect.objectContaining({ code: 'BAD_SELECTOR' }));
    expect(() => checkSelectors(selectors)).not.toThrow();
  });
});

describe('links', () => {
  const html = `<html><head><title>Links</title><base href="/docs/"></head><body>
    <a href="intro.html">a</a><a href="/top">b</a><a href="http://example.test/abs?q=1#frag">c</a>
    <a href="//cdn.example.test/x">d</a><a href="#section">e</a><a href="javascript:void(0)">f</a>
    <a href="mailto:someone@example.test">g</a><a href="tel:+123">h</a><a>no href</a>
    <a href="  spaced.html  ">i</a><a href="http://[bad">j</a></body></html>`;

  it('resolves hrefs against <base href> and the page URL, keeps only http(s), in document order', () => {
    expect(extract(html, 'https://site.test/a/b.html', { selectors: [], links: true }).links).toEqual([
      'https://site.test/docs/intro.html',
      'https://site.test/top',
      'http://example.test/abs?q=1#frag',
      'https://cdn.example.test/x',
      'https://site.test/docs/#section',
      'https://site.test/docs/spaced.html',
    ]);
  });

  it('resolves against the page URL when there is no <base>', () => {
    expect(extract('<a href="next.html">n</a>', 'http://x.test/dir/page', { selectors: [], links: true }).links).toEqual([
      'http://x.test/dir/next.html',
    ]);
  });
});

describe('isHtml', () => {
  const body = Buffer.from('  <!doctype html><p>');
  it('trusts the Content-Type', () => {
    expect(isHtml('text/html; charset=utf-8', body)).toBe(true);
    expect(isHtml('application/xhtml+xml', body)).toBe(true);
    expect(isHtml('TEXT/HTML', body)).toBe(true);
    expect(isHtml('text/plain', body)).toBe(false);
    expect(isHtml('application/json', body)).toBe(false);
    expect(isHtml('image/png', body)).toBe(false);
  });
  it('sniffs a body that starts with a tag when there is no Content-Type', () => {
    expect(isHtml(null, body)).toBe(true);
    expect(isHtml(null, Buffer.from('{"a":1}'))).toBe(false);
    expect(isHtml(null, Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });
});
