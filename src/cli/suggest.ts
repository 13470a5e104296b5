/**
 * "Unknown argument: thread" alone leaves the user to guess: the nearest of the command's options (aliases
 * included) is suggested for a mistyped one, by edit distance.
 */

/**
 * The line for yargs' "Unknown argument(s): …" (`unknown`: the names it reports, camelCase twins included), with
 * each mistyped option as typed and the nearest known one: "Unknown option: --thread (did you mean --threads?)".
 */
export function unknownArgumentsMessage(unknown: readonly string[], argv: readonly string[], known: readonly string[]): string {
  const typed = typedOptions(argv);
  const names = unknown.filter((n) => !/[A-Z]/.test(n) || !unknown.includes(kebab(n)));
  const items = names.map((name) => {
    // A stray positional (`fanout scrape urls.txt extra`) is not an option to correct.
    const as = typed.get(name);
    if (as === undefined) return name;
    const best = nearest(name, known);
    return `${as}${best.length ? ` (did you mean ${best.map(dashed).join(' or ')}?)` : ''}`;
  });
  const what = names.every((n) => typed.has(n)) ? 'option' : 'argument';
  return `Unknown ${what}${names.length > 1 ? 's' : ''}: ${items.join(', ')}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Names given as options, as yargs names them, and as they were typed: `--thread 2` and `--thread=2` give
 * `thread`, `--no-thing` gives `thing` too, and `-xy` gives `x` and `y` (yargs reports them letter by letter).
 */
function typedOptions(argv: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const a of argv) {
    if (a === '--') break;
    const long = /^--([^=]+)/.exec(a);
    if (long) {
      names.set(long[1]!, `--${long[1]}`);
      if (long[1]!.startsWith('no-')) names.set(long[1]!.slice(3), `--${long[1]}`);
    } else if (/^-[^-]/.test(a)) {
      for (const c of a.slice(1).split('=')[0]!) names.set(c, `-${c}`);
    }
  }
  return names;
}

function dashed(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/**
 * The known names nearest `name`, if near enough to be a typo (up to one edit for short names, two for longer), or
 * else the one it abbreviates (`--conc`).
 */
function nearest(name: string, known: readonly string[]): string[] {
  const limit = name.length <= 2 ? 0 : name.length <= 4 ? 1 : 2;
  let best: string[] = [];
  let bestDistance = limit + 1;
  for (const k of new Set(known)) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d > limit) continue;
    if (d < bestDistance) [best, bestDistance] = [[k], d];
    else if (d === bestDistance) best.push(k);
  }
  if (best.length) return best.slice(0, 2);
  const longer = [...new Set(known)].filter((k) => name.length >= 3 && k.startsWith(name.toLowerCase()));
  return longer.length === 1 ? longer : [];
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
