/**
 * Resident memory of a process tree, read from Linux /proc. Worker threads share their process's memory; child
 * processes (and theirs) are found through /proc/<pid>/task/<tid>/children, which lists the children each thread
 * forked, so children spawned from a worker thread are found too.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pid and every live descendant of it (breadth first). Empty when the process is gone. */
export function processTree(root: number, procDir = '/proc'): number[] {
  const seen = new Set<number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`${procDir}/${pid}/task`);
    } catch {
      continue; // exited between listing and reading
    }
    seen.add(pid);
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`${procDir}/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
          const n = Number(child);
          if (child !== '' && Number.isInteger(n)) queue.push(n);
        }
      } catch {
        // the thread ended
      }
    }
  }
  return [...seen];
}

/** Resident set size of one process in bytes (VmRSS), or 0 when it is gone or has no memory (a zombie). */
export function rssBytes(pid: number, procDir = '/proc'): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`${procDir}/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sum of RSS over the tree rooted at pid. */
export function treeRssBytes(root: number, procDir = '/proc'): number {
  let sum = 0;
  for (const pid of processTree(root, procDir)) sum += rssBytes(pid, procDir);
  return sum;
}

/** Whether this system can be sampled at all (Linux with /proc). */
export function canSampleTree(procDir = '/proc'): boolean {
  try {
    readFileSync(`${procDir}/self/status`, 'utf8');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples the tree's summed RSS every `intervalMs` until stopped; keeps the peak. Sampling can miss a peak
 * shorter than the interval: reports say the figure is sampled.
 */
export class TreeRssSampler {
  peakBytes = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 20,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample(): void {
    const bytes = treeRssBytes(this.pid);
    if (bytes === 0) return;
    this.samples++;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
