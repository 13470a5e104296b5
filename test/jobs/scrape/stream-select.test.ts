/**
 * The streaming path (no tree) must give what cheerio gives. Each case runs the same selectors both ways: as
 * written (simple, so streamed) and wrapped in `:is(...)`, which only cheerio understands.
 */
import { describe, expect, it } from 'vitest';
import { extract } from '../../../src/jobs/scrape/extract.js';
import type { Selector } from '../../../src/jobs/scrape/record.js';
import { parseSimple, streamPlan } from '../../../src/jobs/scrape/stream-select.js';

const PAGE = 'https://site.test/a/page.html';

const PAGES: Record<string, string> = {
  nested: `<div class="item">outer <b>bold</b><div class="item">inner &amp; more</div> tail</div><div class="item">third</div>`,
  impliedEnds: `<ul><li class=x>one<li class=x>two <p>para<p>second para</ul><p class=x>last`,
  entitiesAndSpace: `<h1 id=main class="a  b\tc">  Fish &amp;\n Chips &lt;3 &#x263A; </h1><h1 class=a>second</h1>`,
  scriptAndComments: `<div class=t>before<script>var x = "<b>";</script><!-- hidden --><![CDATA[ cdata ]]>after</div>`,
  voidsAndCase: `<DIV CLASS=Row>a<BR>b<img class=row src="x&amp;y.png" alt=pic>c</DIV><div class=row>d</div>`,
  unclosedAtEnd: `<section class=s><span class=s>open`,
  tables: `<table class=x><tr class=x><td class=x>1<td class=x>2<tr><td>3</table><select><option class=x>a<option class=x>b</select>`,
  rawText: `<textarea class=x><b>not a tag</b> &amp;</textarea><title class=x>in body</title><style class=x>p{}</style>`,
  classes: `<i class="ab a-b ba">no</i><i class="x ab	a">yes</i><i class=" a ">yes2</i><i class="A">no</i><i class="a\nb">yes3</i>`,
  forms: `<form><input type=checkbox checked=""><input type=radio value=r><select><option>  Blue &amp; green </option><option value=v2>x</option></select></form>`,
  radioFirst: `<input type=RADIO name=x><input type=radio><option value="">empty</option>`,
  nbsp: `<i class="a\u00a0b">nbsp-separated</i><i class="ab">no</i>`,
  stray: `</p></div><br class=x></br><div class=x>a</span>b</div></div>`,
  links: `<head><base href="/docs/"><base href="/ignored/"></head><a href="intro.html">a</a><a>none</a><a href="">empty</a>
    <A HREF="/Top?q=1&amp;r=2">b</A><a href="mailto:x@y.test">m</a><a href="http://[bad">bad</a>`,
};

const SELECTORS: Selector[] = [
  { name: 'items', css: '.item', kind: 'all' },
  { name: 'firstItem', css: 'div.item', kind: 'text' },
  { name: 'xs', css: '.x', kind: 'all' },
  { name: 'li', css: 'li', kind: 'all' },
  { name: 'ps', css: 'p', kind: 'all' },
  { name: 'h1', css: 'h1#main.a.c', kind: 'text' },
  { name: 'h1s', css: 'h1', kind: 'all' },
  { name: 't', css: '.t', kind: 'text' },
  { name: 'rows', css: '.row', kind: 'all' },
  { name: 'Rows', css: 'div.Row', kind: 'all' },
  { name: 'src', css: 'img', kind: 'attr', attr: 'src' },
  { name: 'noAttr', css: 'img', kind: 'attr', attr: 'title' },
  { name: 'ss', css: '.s', kind: 'all' },
  { name: 'all', css: '*', kind: 'all' },
  { name: 'missing', css: '#nope', kind: 'text' },
  { name: 'classA', css: 'i.a', kind: 'all' },
  { name: 'spaced', css: 'p', kind: 'text' },
  { name: 'checked', css: 'input', kind: 'attr', attr: 'checked' },
  { name: 'boxValue', css: 'input', kind: 'attr', attr: 'value' },
  { name: 'optValue', css: 'option', kind: 'attr', attr: 'value' },
  { name: 'ctor', css: 'input', kind: 'attr', attr: 'constructor' },
];

const viaCheerio = (selectors: Selector[]) => selectors.map((s) => ({ ...s, css: `:is(${s.css})` }));

describe('streamed selectors', () => {
  it.each(Object.keys(PAGES))('give what cheerio gives on the %s page', (name) => {
    const html = PAGES[name]!;
    expect(streamPlan(SELECTORS)).not.toBeNull();
    expect(streamPlan(viaCheerio(SELECTORS))).toBeNull();
    const streamed = extract(html, PAGE, { selectors: SELECTORS, links: true });
    const cheerio = extract(html, PAGE, { selectors: viaCheerio(SELECTORS), links: true });
    expect(streamed).toEqual(cheerio);
  });

  it.each(Object.keys(PAGES))('give what cheerio gives on the %s page with first-match selectors only (the parse stops early)', (name) => {
    const html = PAGES[name]!;
    const firstOnly = SELECTORS.filter((s) => s.kind !== 'all');
    expect(extract(html, PAGE, { selectors: firstOnly, links: false })).toEqual(extract(html, PAGE, { selectors: viaCheerio(firstOnly), links: false }));
  });

  it('resolve links against the first <base href>, as cheerio does', () => {
    expect(extract(PAGES.links!, PAGE, { selectors: [], links: true }).links).toEqual([
      'https://site.test/docs/intro.html',
      'https://site.test/docs/',
      'https://site.test/Top?q=1&r=2',
    ]);
  });

  it.each(['a b', 'a > b', 'a[href]', 'a:first-child', 'a,b', '#x#y', '.', ''])('leave %j to cheerio', (css) => {
    expect(parseSimple(css)).toBeNull();
  });

  it.each([
    ['h1', { tag: 'h1', id: null, classes: [] }],
    ['DIV.a.b', { tag: 'div', id: null, classes: ['a', 'b'] }],
    ['#main', { tag: null, id: 'main', classes: [] }],
    ['*.x', { tag: null, id: null, classes: ['x'] }],
  ])('read %j as one element', (css, simple) => {
    expect(parseSimple(css)).toEqual(simple);
  });
});
