/**
 * The size of SRC, counted while it is being copied, for the progress line's ETA (the copy itself walks as it
 * goes and never knows the total). The count runs in its own worker thread, with the copy's filters: a listing
 * per directory plus an lstat per file. It costs a second walk, so only the live progress line asks for it.
 *
 * The count runs ahead of the copy, and listing a directory moves its atime (relatime), which the copy must
 * keep. So the counter posts each directory's atime *before* listing it, and the copy, having taken its own
 * lstat of a directory, first takes every message already posted (synchronously, receiveMessageOnPort): if the
 * counter listed the directory earlier, the atime it saw first is there, and it is the original.
 *
 * Both walks visit directories in the same order (pre-order, names sorted), so the messages form a queue in walk
 * order: those before the copy's current directory are stale (a subtree the copy pruned) and dropped. The
 * counter may run at most MAX_LEAD directories ahead of the copy (a shared counter, Atomics), which bounds the
 * queue: on trees with more directories than that, the total comes later.
 */
import type { Stats } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { entryPath } from '../../entry-points.js';

export interface TreeTotal {
  /** Entries (directories included, as in the copy's records) and regular-file bytes counted so far. */
  entries: number;
  bytes: number;
  /** The whole tree has been counted. */
  done: boolean;
}

export interface CountInput {
  src: string;
  include: string[];
  exclude: string[];
  /** --files-from's paths, when given: the count walks what the copy walks. */
  listed?: string[];
}

export type CountMessage = { t: 'dir'; rel: string; atimeMs: number; atimeNs: bigint } | { t: 'total'; total: TreeTotal };

/** Directories the counter may list ahead of the copy. */
export const MAX_LEAD = 50_000;

/** Whether directory `a` comes before `b` in the walk (pre-order, names compared as the walk sorts them). */
export function walksBefore(a: string, b: string): boolean {
  if (a === '') return b !== '';
  if (b === '') return false;
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return x.length < y.length;
}

const ENTRY = entryPath('tree-count-worker');

export class TreeCount {
  private total: TreeTotal = { entries: 0, bytes: 0, done: false };
  /** Directories the counter listed that the copy has not reached yet, in walk order, with their atime before. */
  private queue: { rel: string; atimeMs: number; atimeNs: bigint }[] = [];
  private head = 0;
  /** [0]: directories the copy has walked, read by the counter to keep its lead under MAX_LEAD. */
  private readonly walked = new Int32Array(new SharedArrayBuffer(4));
  private readonly port;
  private readonly worker: Worker;

  constructor(input: CountInput) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(ENTRY, { workerData: { input, port: port2, walked: this.walked }, transferList: [port2], execArgv: [] });
    this.worker.unref(); // never what keeps the process alive
    this.worker.on('error', () => {}); // an estimate only: without a total the line shows no ETA
  }

  /** The running total (takes what the counter has posted so far). */
  current(): Readonly<TreeTotal> {
    this.drain();
    return this.total;
  }

  /**
   * A directory's stat as the copy should keep it: the copy's own lstat, unless the counter listed the
   * directory first, in which case the atime is the one from before that listing. Call after taking the lstat.
   */
  original(rel: string, stat: Stats | null, exact?: { atimeNs?: bigint }): Stats | null {
    this.drain();
    Atomics.add(this.walked, 0, 1);
    Atomics.notify(this.walked, 0);
    while (this.head < this.queue.length && walksBefore(this.queue[this.head]!.rel, rel)) this.head++;
    let atimeMs: number | undefined;
    let atimeNs: bigint | undefined;
    if (this.head < this.queue.length && this.queue[this.head]!.rel === rel) ({ atimeMs, atimeNs } = this.queue[this.head++]!);
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (atimeMs === undefined || !stat || atimeMs >= stat.atimeMs) return stat;
    if (exact) exact.atimeNs = atimeNs;
    return Object.assign(Object.create(Object.getPrototypeOf(stat) as object) as Stats, stat, { atimeMs, atime: new Date(atimeMs) });
  }

  /** Everything the counter has posted, synchronously. */
  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const msg = m.message as CountMessage;
      if (msg.t === 'dir') this.queue.push({ rel: msg.rel, atimeMs: msg.atimeMs, atimeNs: msg.atimeNs });
      else this.total = msg.total;
    }
  }

  stop(): void {
    void this.worker.terminate();
    this.port.close();
  }

  /** Settles once the whole tree is counted (tests). */
  async finished(): Promise<Readonly<TreeTotal>> {
    await new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.once('error', () => resolve());
    });
    return this.current();
  }
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
