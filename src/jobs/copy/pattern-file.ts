/**
 * --exclude-from / --include-from FILE: one pattern per line, as rsync reads them. Blank lines and lines starting
 * with '#' or ';' are ignored; a line's other spaces are part of its pattern (a name may end in one), a CR before
 * the newline is not. The file is read off the event loop (list-file.ts): it may be a pipe.
 */
import { readListFile } from './list-file.js';

export async function readPatterns(file: string, signal?: AbortSignal): Promise<string[]> {
  const text = await readListFile(file, 'PATTERN_FILE_UNREADABLE', 'the pattern file', signal);
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith(';'));
}

/** The patterns of every file given, in order. */
export async function readAllPatterns(files: string[] | undefined, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const f of files ?? []) out.push(...(await readPatterns(f, signal)));
  return out;
}
