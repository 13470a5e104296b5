/**
 * --exclude-from / --include-from FILE: one pattern per line, as rsync reads them. Blank lines and lines starting
 * with '#' or ';' are ignored; a line's other spaces are part of its pattern (a name may end in one), a CR before
 * the newline is not.
 */
import { readFileSync } from 'node:fs';
import { copyFailure } from './errors.js';

export function readPatterns(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw copyFailure('PATTERN_FILE_UNREADABLE', `cannot read the pattern file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith(';'));
}
