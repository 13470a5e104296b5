/**
 * What a lone `-` means, argument by argument (README, "Every command"):
 * - scrape's <input>: stdin; scrape's `-o -`: stdout (the only two).
 * - copy's SRC and DST: a file named `-` in the current folder, as for `cp -a - dst`.
 * - an option naming a file or folder that is never a stream (--log, --save, --report, --summary-json): a usage
 *   error naming the option (`./-` names such a file), rather than a file silently named `-`.
 * - any other value (a CSS selector, a header, a glob): the text `-`.
 *
 * yargs re-parses a positional as `--name value`, where a value `-` reads as a flag with no value (yargs#1312): a
 * lone `-` is swapped for a marker before parsing, and the marker for `-` again before any check or command sees
 * the arguments (`restoreDashes`, the first middleware). The marker holds a NUL, which no argument can hold, so it
 * is never a user's text; `visible` keeps it out of any message.
 */
import { UsageError } from './exit-codes.js';

const DASH = '\u0000-';

export function protectDash(argv: string[]): string[] {
  return argv.map((a) => (a === '-' ? DASH : a));
}

export function dashArg(value: string): string;
export function dashArg(value: string | undefined): string | undefined;
export function dashArg(value: string | undefined): string | undefined {
  return value === DASH ? '-' : value;
}

/** Every parsed value, positionals, arrays and `--` included, with the marker turned back into `-`. */
export function restoreDashes(argv: Record<string, unknown>): void {
  for (const key of Object.keys(argv)) argv[key] = restored(argv[key]);
}

function restored(value: unknown): unknown {
  if (value === DASH) return '-';
  return Array.isArray(value) ? value.map(restored) : value;
}

/** A message as a user may read it: the marker as the `-` they typed, any other NUL shown as `\0`. */
export function visible(message: string): string {
  return message.split(DASH).join('-').replace(/\u0000/g, '\\0');
}

/**
 * yargs `coerce` for an option that names a file or folder and never a stream: `-` is refused with the option's
 * name (and, in `hint`, where the stream the user may have meant is to be had), and so is an empty name
 * (`notEmpty`); `emptyOk` for one where curl gives '' a meaning (-b '').
 */
export function noDash(flag: string, kind: 'file' | 'folder', hint = '', emptyOk = false) {
  return (value: unknown): unknown => {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => dashArg(v as string) === '-')) {
      throw new UsageError(`${flag} wants a ${kind} name, not '-'${hint ? ` (${hint})` : ''}; write ./- for a ${kind} named '-'`);
    }
    return emptyOk ? value : notEmpty(flag, kind)(value);
  };
}

/** yargs `coerce` refusing an empty name (an unset "$VAR"), which would otherwise drop the option silently. */
export function notEmpty(flag: string, kind: string) {
  return (value: unknown): unknown => {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v === '')) throw new UsageError(`${flag} wants a ${kind} name, not an empty one`);
    return value;
  };
}
