/**
 * The size of SRC, counted while it is being copied, for the progress line's ETA (the copy itself walks as it
 * goes and never knows the total). The count runs in its own worker thread, with the copy's include/exclude
 * filter: a directory listing per directory plus an lstat per file, reported every few thousand entries.
 * It costs a second walk, so only the live progress line (a terminal) asks for it.
 */
import { Worker } from 'node:worker_threads';
import { builtPath } from '../../engine/built-path.js';

export interface TreeTotal {
  /** Entries (directories included, as in the copy's records) and regular-file bytes counted so far. */
  entries: number;
  bytes: number;
  /** The whole tree has been counted. */
  done: boolean;
}

export interface TreeCount {
  current(): Readonly<TreeTotal>;
  /** Settles with the final total once the whole tree is counted (never rejects: an estimate only). */
  finished: Promise<Readonly<TreeTotal>>;
  stop(): void;
}

export interface CountInput {
  src: string;
  include: string[];
  exclude: string[];
}

const ENTRY = builtPath(import.meta.url, './tree-count-worker.js');

export function countTree(input: CountInput): TreeCount {
  let total: TreeTotal = { entries: 0, bytes: 0, done: false };
  const worker = new Worker(ENTRY, { workerData: input, execArgv: [] });
  worker.unref(); // never what keeps the process alive
  const finished = new Promise<TreeTotal>((resolve) => {
    worker.on('message', (t: TreeTotal) => {
      total = t;
      if (t.done) resolve(t);
    });
    // An error (an unreadable SRC) leaves the total not done: the line shows no ETA.
    worker.on('error', () => resolve(total));
    worker.on('exit', () => resolve(total));
  });
  return {
    current: () => total,
    finished,
    stop: () => void worker.terminate(),
  };
}

/** Time left, from the share of the tree done so far (by entries or by bytes, whichever is further along). */
export function etaMs(done: { entries: number; bytes: number; elapsedMs: number }, total: Readonly<TreeTotal>): number {
  if (!total.done || total.entries === 0) return NaN;
  const byEntries = done.entries / total.entries;
  const byBytes = total.bytes > 0 ? done.bytes / total.bytes : 0;
  const share = Math.min(1, Math.max(byEntries, byBytes));
  if (share <= 0) return NaN;
  return (done.elapsedMs * (1 - share)) / share;
}
