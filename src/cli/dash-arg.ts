/**
 * A lone `-` (stdin for an input, stdout for -o) is eaten by yargs-parser, which reads it as an empty short
 * flag. main() swaps it for a marker before parsing; commands turn the marker back with `dashArg`.
 */
const DASH = '\u0000-';

export function protectDash(argv: string[]): string[] {
  return argv.map((a) => (a === '-' ? DASH : a));
}

export function dashArg(value: string): string;
export function dashArg(value: string | undefined): string | undefined;
export function dashArg(value: string | undefined): string | undefined {
  return value === DASH ? '-' : value;
}
