/**
 * Numeric options. yargs turns `--timeout abc` into NaN and `--timeout 1e400` into Infinity before any check sees
 * them, so a message could only say "got NaN". These options are parsed from the text the user typed, and a bad
 * one is refused quoting it: `--timeout must be a number of seconds > 0 and <= 2147483, got 'abc'`.
 */
import type { Options } from 'yargs';
import { UsageError } from './exit-codes.js';
import { dashArg } from './dash-arg.js';

export interface NumberRule {
  /** What a good value is, after "must be": 'a whole number >= 1'. */
  what: string;
  ok(n: number): boolean;
}

export function whole(min: number): NumberRule {
  return { what: `a whole number >= ${min}`, ok: (n) => Number.isInteger(n) && n >= min };
}

/** A number within [min, max] (`above`: min itself excluded), described in `unit`. */
export function ranged(unit: string, min: number, max = Infinity, above = false): NumberRule {
  const low = `${above ? '>' : '>='} ${min}`;
  return {
    what: `a number of ${unit} ${low}${max < Infinity ? ` and <= ${max}` : ''}`,
    ok: (n) => (above ? n > min : n >= min) && n <= max,
  };
}

/**
 * The value as a number, or a usage error quoting what was typed. An option given twice counts once, the last
 * time (as for most tools). `value` is the text from the command line, or a default (a number).
 */
export function parseNumber(flag: string, rule: NumberRule, value: unknown): number {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  const text = typeof last === 'string' ? dashArg(last) : String(last);
  const n = typeof last === 'number' ? last : text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || !rule.ok(n)) throw new UsageError(`${flag} must be ${rule.what}, got '${text}'`);
  return n;
}

/**
 * A yargs option taking one number. Declared as a string to the parser (so the typed text survives) and as a
 * number to the help (which shows `[number]`: yargs' parser keeps a string when an option is both).
 */
export function numberOption(flag: string, rule: NumberRule, options: Options): Options {
  return { ...options, type: 'string', number: true, requiresArg: true, coerce: (v: unknown) => parseNumber(flag, rule, v) };
}
