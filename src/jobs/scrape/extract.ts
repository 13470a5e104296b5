/**
 * What a record holds from a page's HTML: title, meta description, the user's selectors and links. Parsed with
 * htmlparser2, cheerio's fast backend (`cheerio/slim`: about 2.3x faster than the default parse5, which it never
 * loads), and only as much of the page as the fields need: title and description live in <head>, so they come
 * from the text before </head> (or <body>) alone, and the whole page is loaded into cheerio only for selectors
 * or links. (A <title> placed after <body> in broken HTML is therefore not seen.)
 */
import { createRequire } from 'node:module';
import type { CheerioAPI } from 'cheerio/slim';
import { Parser } from 'htmlparser2';
import { FanoutError } from '../../engine/errors.js';
import { MAX_DATA_CHARS, MAX_DEPTH, MAX_NESTING, dataTooLarge, pageTooDeep, pageTooNested } from './page-depth.js';
import type { Selector } from './record.js';
import { parseSimple, streamPlan, streamSelect } from './stream-select.js';

export interface ExtractOptions {
  selectors: readonly Selector[];
  links: boolean;
}

export interface Extracted {
  title: string | null;
  description: string | null;
  data?: Record<string, string | string[] | null>;
  links?: string[];
}

/**
 * cheerio is loaded on first use (it costs ~60 ms of start-up): a run that wants only title and description
 * never needs it. Its CommonJS build is required so that extract() can stay synchronous, and htmlparser2's with
 * it, so the tree built here is made of the same classes cheerio's own parse would make.
 */
let cheerio: { load: typeof import('cheerio/slim').load; parse: (html: string) => ReturnType<typeof import('htmlparser2').parseDocument> } | null = null;
function loadCheerio(): NonNullable<typeof cheerio> {
  if (cheerio) return cheerio;
  const require = createRequire(import.meta.url);
  const { load } = require('cheerio/slim') as typeof import('cheerio/slim');
  const { Parser: CjsParser, DomHandler } = require('htmlparser2') as typeof import('htmlparser2');
  /** cheerio/slim's parseDocument, with the depth of open elements and their summed depth capped (page-depth.ts). */
  class DepthCappedHandler extends DomHandler {
    private depth = 0;
    private nesting = 0;
    override onopentag(name: string, attribs: Record<string, string>): void {
      if (++this.depth > MAX_DEPTH) throw pageTooDeep();
      if ((this.nesting += this.depth) > MAX_NESTING) throw pageTooNested();
      super.onopentag(name, attribs);
    }
    override onclosetag(): void {
      this.depth--;
      super.onclosetag();
    }
  }
  const parse = (html: string) => {
    const handler = new DepthCappedHandler();
    new CjsParser(handler).end(html);
    return handler.root;
  };
  return (cheerio = { load, parse });
}

function load(html: string): CheerioAPI {
  const { load, parse } = loadCheerio();
  return load(parse(html));
}

/** HTML whitespace only: a no-break space inside a title is content, as in `document.title`. */
const HTML_SPACE = /[\t\n\f\r ]+/g;

function collapse(text: string): string {
  // Most texts need nothing done (a page may have thousands): check before the regex builds a new string.
  return isCollapsed(text) ? text : text.replace(HTML_SPACE, ' ').trim();
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c;

/** No HTML whitespace at either end, and none inside but single spaces. */
function isCollapsed(text: string): boolean {
  const n = text.length;
  if (n === 0) return true;
  if (isSpace(text.charCodeAt(0)) || isSpace(text.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 ? text.charCodeAt(i + 1) === 0x20 : isSpace(c)) return false;
  }
  return true;
}

/** Whether the fields need more than <head>. */
export function needsBody(opts: ExtractOptions): boolean {
  return opts.links || opts.selectors.length > 0;
}

/** Whether an answer is HTML: by its Content-Type, or, without one, by a body that starts with a tag. */
export function isHtml(contentType: string | null, body: Uint8Array): boolean {
  if (contentType) {
    const semi = contentType.indexOf(';');
    const mime = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
    return mime === 'text/html' || mime === 'application/xhtml+xml';
  }
  for (let i = 0; i < Math.min(body.length, 512); i++) {
    const c = body[i];
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0xef || c === 0xbb || c === 0xbf) continue;
    return c === 0x3c; // '<'
  }
  return false;
}

const HEAD_END = /<\/head\s*>|<body[\s>]/i;

/** The part of a page that holds its <head>: up to </head> or <body>, or all of it when neither is there. */
export function headOf(html: string): string {
  const m = HEAD_END.exec(html);
  return m ? html.slice(0, m.index) : html;
}

export function extract(html: string, pageUrl: string, opts: ExtractOptions): Extracted {
  const out: Extracted = headFields(headOf(html));
  if (!needsBody(opts)) return out;
  // Selectors that each name one element (tag, #id, .class) are matched as the page streams: no tree.
  const plan = streamPlan(opts.selectors);
  if (plan) {
    const r = streamSelect(html, plan, opts.links);
    if (opts.selectors.length) {
      out.data = {};
      for (const s of opts.selectors) {
        const v = r.data[s.name]!;
        out.data[s.name] = s.kind === 'attr' || v === null ? v : Array.isArray(v) ? v.map(collapse) : collapse(v);
      }
    }
    if (opts.links) out.links = resolveLinks(r.hrefs, r.base, pageUrl);
    return out;
  }
  const $ = load(html);
  if (opts.selectors.length) out.data = select($, opts.selectors);
  if (opts.links) out.links = resolveLinks($('a[href]').toArray().map((el) => el.attribs.href!), $('base[href]').first().attr('href'), pageUrl);
  return out;
}

/**
 * The first <title> and the first <meta name="description"> (what `document.title` and
 * `meta[name=description i]` find), from htmlparser2's streaming parser, the one cheerio/slim builds its tree
 * with: no tree and no CSS compilation for two fields, which costs a fraction of `load()` per page.
 */
export function headFields(head: string): { title: string | null; description: string | null } {
  let title: string | null = null;
  let inTitle = false;
  let titleDone = false;
  let description: string | null | undefined;
  let depth = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (++depth > MAX_DEPTH) throw pageTooDeep();
        if (name === 'title' && !titleDone) {
          inTitle = true;
          title = '';
        } else if (name === 'meta' && description === undefined && attribs.name?.trim().toLowerCase() === 'description') {
          description = attribs.content ?? null;
        }
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        depth--;
        if (name === 'title' && inTitle) {
          inTitle = false;
          titleDone = true;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.end(head);
  return {
    title: title === null ? null : collapse(title),
    description: description == null ? null : collapse(description),
  };
}

/** The record fields when nothing could be parsed (a failure, or a non-HTML answer). */
export function emptyExtract(opts: ExtractOptions): Extracted {
  const out: Extracted = { title: null, description: null };
  if (opts.selectors.length) out.data = Object.fromEntries(opts.selectors.map((s) => [s.name, null]));
  if (opts.links) out.links = [];
  return out;
}

/**
 * --select: collapsed text of the first match (null if none); --select-all: texts of every match ([] if none);
 * --attr: the raw attribute of the first match (null if no match or no such attribute).
 */
function select($: CheerioAPI, selectors: readonly Selector[]): Record<string, string | string[] | null> {
  const data: Record<string, string | string[] | null> = {};
  let chars = 0;
  for (const s of selectors) {
    const found = $(s.css);
    if (s.kind === 'all') {
      const matches = found.toArray();
      // Counted before any text is built: nested matches would each build the same text again (page-depth.ts).
      for (const el of matches) if ((chars += textLength(el as DomNode, MAX_DATA_CHARS - chars)) > MAX_DATA_CHARS) throw dataTooLarge();
      // $.text([el]) reads an element's text without wrapping it in a Cheerio object first (a page may match thousands)
      data[s.name] = matches.map((el) => collapse($.text([el])));
    } else if (!found.length) data[s.name] = null;
    else if (s.kind === 'attr') data[s.name] = found.first().attr(s.attr ?? '') ?? null;
    else data[s.name] = collapse(found.first().text());
  }
  return data;
}

/** What textLength reads of domhandler's nodes. */
interface DomNode {
  type: string;
  data?: string;
  children?: DomNode[];
}

/** The length of an element's text ($.text's), counted without building it; stops once past `limit`. */
function textLength(root: DomNode, limit: number): number {
  let n = 0;
  const stack: DomNode[] = [root];
  while (stack.length > 0 && n <= limit) {
    const node = stack.pop()!;
    if (node.type === 'text') n += node.data!.length;
    else if (node.type !== 'comment' && node.children) for (const child of node.children) stack.push(child);
  }
  return n;
}

/**
 * --links: every <a href> resolved as a browser would (against <base href>, itself resolved against the page
 * URL), in document order, duplicates and fragments kept. Only http(s) results are kept: javascript:, mailto:,
 * tel:, data: and unparsable hrefs are not pages a scraper can fetch. No link keeps a userinfo (public-url.ts).
 */
function resolveLinks(hrefs: readonly string[], baseHref: string | undefined, pageUrl: string): string[] {
  let base = pageUrl;
  if (baseHref !== undefined) {
    try {
      base = new URL(baseHref, pageUrl).href;
    } catch {
      // an unparsable <base> is ignored, as browsers do
    }
  }
  const out: string[] = [];
  for (const href of hrefs) {
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    // A page fetched as http://user:pass@host/ resolves its relative links with that userinfo: never written.
    if (u.username !== '' || u.password !== '') {
      u.username = '';
      u.password = '';
    }
    out.push(u.href);
  }
  return out;
}

/** Throws BAD_SELECTOR for CSS that cheerio cannot compile, so a typo fails the run up front, not per page. */
export function checkSelectors(selectors: readonly Selector[]): void {
  for (const s of selectors) {
    if (s.kind === 'attr' && !s.attr) throw new FanoutError('BAD_SELECTOR', `--attr ${s.name}=${s.css}: no @attribute`);
    // A selector the streaming path reads is valid CSS: cheerio (~60 ms to load, per worker) is not needed.
    if (parseSimple(s.css)) continue;
    try {
      load('')(s.css);
    } catch (err) {
      throw new FanoutError('BAD_SELECTOR', `--select ${s.name}=${s.css}: ${(err as Error).message}`);
    }
  }
}
