/**
 * --files-from FILE: copy only the listed paths (relative to SRC; a leading '/' or './' is dropped), each with the
 * folders on its way, and a listed folder with all it holds. One path per line, taken verbatim (a name may start
 * with '#'); blank lines are skipped, a CR before the newline is not part of the name.
 */
import { readFileSync } from 'node:fs';
import { copyFailure } from './errors.js';
import type { WalkFilter } from './walk.js';

export function readFileList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw copyFailure('FILES_FROM_UNREADABLE', `cannot read the list ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .map((line) => line.replace(/^(?:\.?\/)+/, '').replace(/\/+$/, ''))
    .filter((line) => line !== '' && line !== '.');
}

/** The walk filter of a list: a listed path, anything inside one, and the folders on the way to one. */
export function listedFilter(paths: string[]): WalkFilter {
  const listed = new Set<string>();
  const onTheWay = new Set<string>();
  for (const p of paths) {
    const clean = p.split('/').filter((c) => c !== '' && c !== '.').join('/');
    listed.add(clean);
    for (let i = clean.indexOf('/'); i >= 0; i = clean.indexOf('/', i + 1)) onTheWay.add(clean.slice(0, i));
  }
  return (rel, isDir) => {
    if (listed.has(rel) || (isDir && onTheWay.has(rel))) return true;
    for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) if (listed.has(rel.slice(0, i))) return true;
    return false;
  };
}

/** Both filters (either may be absent). */
export function bothFilters(a: WalkFilter | undefined, b: WalkFilter | undefined): WalkFilter | undefined {
  if (!a || !b) return a ?? b;
  return (rel, isDir) => a(rel, isDir) && b(rel, isDir);
}
