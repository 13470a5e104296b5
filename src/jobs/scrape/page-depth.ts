/**
 * How deep a page's elements may nest before extraction gives up on it. htmlparser2 keeps its stack of open
 * elements with unshift and searches it at every close tag, and css-select and cheerio's text() walk ancestors
 * and recurse through descendants: on 100,000 unclosed <div>s one page took 55 s of CPU, or overflowed the stack
 * ("Maximum call stack size exceeded"). Chromium's HTML parser stops nesting at 512 as well; real pages stay far
 * below it. Past it the page's record fails with PAGE_TOO_DEEP, after at most 512 levels of work per element.
 */
import { FanoutError } from '../../engine/errors.js';

export const MAX_DEPTH = 512;

/**
 * A cap on the sum of every element's depth, for the DOM that --select's CSS is matched on: a descendant
 * combinator walks each candidate's ancestors, so under the depth cap alone 1.4 million leaves 505 levels deep
 * (a 10 MB page) still cost 47 s for `body i`. 2^24 element-levels is a million elements 16 deep on average (a
 * 10 MB table of 100,000 rows sums to about 9 million) and bounds such a walk to about a second.
 */
export const MAX_NESTING = 2 ** 24;

/**
 * A cap on the characters --select-all's values add up to. Nested matches each repeat the text inside them: 500
 * nested `.x` around 2 MB of text made 1 GB of values for `--select-all x=.x` (37 s, then a string too long to
 * write). Values of matches that do not nest add up to at most the page.
 */
export const MAX_DATA_CHARS = 2 ** 25;

export function dataTooLarge(): FanoutError {
  return new FanoutError('PAGE_TOO_DEEP', `the selectors' values add up to more than ${MAX_DATA_CHARS} characters: matches nested inside one another repeat the same text`);
}

export function pageTooDeep(): FanoutError {
  return new FanoutError('PAGE_TOO_DEEP', `the page nests more than ${MAX_DEPTH} elements inside one another`);
}

export function pageTooNested(): FanoutError {
  return new FanoutError('PAGE_TOO_DEEP', `the page's elements sit more than ${MAX_NESTING} levels deep in all, too many to match CSS on`);
}

/**
 * The record error for what extraction threw, when it is the page's fault: too deep, or a stack overflow that
 * some other shape of page still caused. Anything else is a bug and is left to throw.
 */
export function pageError(err: unknown): { code: 'PAGE_TOO_DEEP'; message: string } | null {
  if ((err as { code?: unknown })?.code === 'PAGE_TOO_DEEP') return { code: 'PAGE_TOO_DEEP', message: (err as Error).message };
  if (err instanceof RangeError && /call stack/i.test(err.message)) return { code: 'PAGE_TOO_DEEP', message: `the page is too deeply nested to read (${err.message})` };
  return null;
}
