/**
 * Selectors and links without a tree. Most scraping selectors name one element by tag, id and classes
 * (`h1`, `.price`, `a.next`, `#main`); those can be matched as the page streams through htmlparser2's parser
 * (the one cheerio/slim builds its tree with, so implied end tags close elements at the same places), keeping
 * only the text of the elements that match. No DOM is built: on a 256 KiB page that is most of the allocation
 * and of the garbage collection, the cost that parsing in workers pays most for. Anything else (combinators,
 * attribute selectors, pseudo-classes) goes through cheerio, and both paths give the same values (tested on the
 * same pages).
 */
import { Parser } from 'htmlparser2';
import { MAX_DATA_CHARS, MAX_DEPTH, dataTooLarge, pageTooDeep } from './page-depth.js';
import type { Selector } from './record.js';

/** `tag`, `*`, `#id`, `.class`, combined (`a.next.big`, `div#main`): one element, no combinator, no attribute. */
interface Simple {
  tag: string | null;
  id: string | null;
  classes: string[];
}

const SIMPLE = /^(\*|[a-zA-Z][a-zA-Z0-9-]*)?((?:[.#][a-zA-Z_-][a-zA-Z0-9_-]*)*)$/;
const PART = /[.#][a-zA-Z_-][a-zA-Z0-9_-]*/g;

export function parseSimple(css: string): Simple | null {
  const m = SIMPLE.exec(css.trim());
  if (!m || (!m[1] && !m[2])) return null;
  let id: string | null = null;
  const classes: string[] = [];
  for (const part of m[2]!.match(PART) ?? []) {
    if (part[0] === '#') {
      if (id !== null && id !== part.slice(1)) return null; // `#a#b` matches nothing: leave it to cheerio
      id = part.slice(1);
    } else classes.push(part.slice(1));
  }
  return { tag: m[1] && m[1] !== '*' ? m[1].toLowerCase() : null, id, classes };
}

function matches(s: Simple, name: string, attribs: Record<string, string>): boolean {
  if (s.tag !== null && s.tag !== name) return false;
  if (s.id !== null && attribs.id !== s.id) return false;
  if (s.classes.length > 0) {
    const cls = attribs.class;
    if (cls === undefined) return false;
    for (const c of s.classes) if (!hasClass(cls, c)) return false;
  }
  return true;
}

/** Any JavaScript whitespace separates class names, as css-select's `[class~=name]` has it (cheerio's rule). */
const SPACE = /\s/;

/** Whether the class attribute lists `name` as a whole word (without splitting it: this runs for every tag). */
function hasClass(list: string, name: string): boolean {
  for (let i = list.indexOf(name); i !== -1; i = list.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i === 0 || SPACE.test(list[i - 1]!)) && (end === list.length || SPACE.test(list[end]!))) return true;
  }
  return false;
}

/** cheerio's attr(): a boolean attribute reads as its own name, whatever its value. */
const BOOLEAN_ATTR = /^(?:autofocus|autoplay|async|checked|controls|defer|disabled|hidden|loop|multiple|open|readonly|required|scoped|selected)$/i;

export interface StreamPlan {
  selectors: { sel: Selector; simple: Simple }[];
}

const plans = new WeakMap<readonly Selector[], StreamPlan | null>();

/** The plan for these selectors, or null when one of them needs cheerio. Worked out once per selector list. */
export function streamPlan(selectors: readonly Selector[]): StreamPlan | null {
  let plan = plans.get(selectors);
  if (plan === undefined) {
    const parsed = selectors.map((sel) => ({ sel, simple: parseSimple(sel.css) }));
    // Repeated names and an --attr without an attribute are cheerio's to answer (the CLI refuses both anyway).
    const odd = new Set(selectors.map((s) => s.name)).size < selectors.length || selectors.some((s) => s.kind === 'attr' && !s.attr);
    plan = !odd && parsed.every((p) => p.simple) ? { selectors: parsed as StreamPlan['selectors'] } : null;
    plans.set(selectors, plan);
  }
  return plan;
}

/** One element being read: its text so far, where the value goes, and the depth at which it closes. */
interface Open {
  depth: number;
  text: string;
  done: (text: string) => void;
}

/** Thrown from a parser callback to end the parse early (htmlparser2 has no other way out of `end`). */
const STOP = Symbol('stop');

export interface StreamResult {
  /** Raw (not yet collapsed) texts and attributes by selector name, as `select` in extract.ts shapes them. */
  data: Record<string, string | string[] | null>;
  /** Hrefs of <a href>, in document order, and the first <base href>: resolved by the caller. */
  hrefs: string[];
  base: string | undefined;
}

/** One pass over the page: the selectors' values (texts uncollapsed) and, with `links`, the raw hrefs. */
export function streamSelect(html: string, plan: StreamPlan, links: boolean): StreamResult {
  const data: Record<string, string | string[] | null> = {};
  const firstTaken = new Set<string>();
  for (const { sel } of plan.selectors) data[sel.name] = sel.kind === 'all' ? [] : null;
  const hrefs: string[] = [];
  let base: string | undefined;
  const open: Open[] = [];
  let depth = 0;
  /** Characters of the values so far: each text counts once per open match it goes into. */
  let chars = 0;
  // With only first-match selectors and no links, the parse stops once each has its value: the rest of the
  // page cannot change the record.
  const firstOnly = !links && plan.selectors.every((p) => p.sel.kind !== 'all');
  const isComplete = () => firstOnly && open.length === 0 && firstTaken.size === plan.selectors.length;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (++depth > MAX_DEPTH) throw pageTooDeep();
        if (links) {
          if (name === 'a' && attribs.href !== undefined) hrefs.push(attribs.href);
          else if (name === 'base' && base === undefined && attribs.href !== undefined) base = attribs.href;
        }
        for (const { sel, simple } of plan.selectors) {
          if (sel.kind !== 'all' && firstTaken.has(sel.name)) continue;
          if (!matches(simple, name, attribs)) continue;
          if (sel.kind === 'attr') {
            firstTaken.add(sel.name);
            const attr = sel.attr ?? '';
            // cheerio's attr(), DOM-like: an <option>'s value defaults to its text, a checkbox's or radio's to "on"
            if (Object.hasOwn(attribs, attr)) data[sel.name] = BOOLEAN_ATTR.test(attr) ? attr : attribs[attr]!;
            else if (name === 'option' && attr === 'value') open.push({ depth, text: '', done: (t) => (data[sel.name] = t) });
            else if (name === 'input' && attr === 'value' && (attribs.type === 'radio' || attribs.type === 'checkbox')) data[sel.name] = 'on';
            else data[sel.name] = null;
            if (isComplete()) throw STOP;
          } else if (sel.kind === 'text') {
            firstTaken.add(sel.name);
            open.push({ depth, text: '', done: (t) => (data[sel.name] = t) });
          } else {
            const list = data[sel.name] as string[];
            const at = list.length;
            list.push(''); // document order is open order; the text is filled in at the close
            open.push({ depth, text: '', done: (t) => (list[at] = t) });
          }
        }
      },
      ontext(text) {
        if (open.length === 0) return;
        if ((chars += text.length * open.length) > MAX_DATA_CHARS) throw dataTooLarge();
        for (const o of open) o.text += text;
      },
      onclosetag() {
        while (open.length > 0 && open[open.length - 1]!.depth === depth) {
          const o = open.pop()!;
          o.done(o.text);
        }
        depth--;
        if (isComplete()) throw STOP;
      },
    },
    { decodeEntities: true },
  );
  try {
    parser.end(html);
  } catch (err) {
    if (err !== STOP) throw err;
  }
  // The parser closes what is still open at the end of the page, so every element got its close.
  return { data, hrefs, base };
}
