/**
 * Every module that fanout starts by path at run time (the CLI, worker entries, job task modules), in one list.
 * The code that starts them asks entryPath() for the file, and the bundler (scripts/bundle.mjs) builds each into
 * one file of dist/bundle/ under the same name, so the two can never disagree about what exists.
 */
import { fileURLToPath } from 'node:url';
import { builtPath } from './engine/built-path.js';

/** Name in dist/bundle/ -> module under src/ (as compiled to .js). */
export const ENTRY_POINTS = {
  cli: 'cli/bin.js',
  'thread-entry': 'engine/worker/thread-entry.js',
  'process-entry': 'engine/worker/process-entry.js',
  'tree-count-worker': 'jobs/copy/tree-count-worker.js',
  'scrape-task': 'jobs/scrape/task.js',
  'copy-task': 'jobs/copy/task.js',
} as const;
export type EntryName = keyof typeof ENTRY_POINTS;

/**
 * Set to true by the bundler. In a bundle every entry and chunk lies flat in dist/bundle/, so an entry is a
 * sibling of whatever module asks; in the compiled tree it lies where tsc put it.
 */
declare const FANOUT_BUNDLED: boolean | undefined;
const bundled = typeof FANOUT_BUNDLED !== 'undefined' && FANOUT_BUNDLED;

/** The file of an entry point in the build this process runs from (the bundle or dist/src). */
export function entryPath(name: EntryName): string {
  if (bundled) return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return builtPath(import.meta.url, `./${ENTRY_POINTS[name]}`);
}
