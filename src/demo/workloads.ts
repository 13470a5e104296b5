/**
 * The demo's three workloads, each chosen to show one side of the lesson: waiting on the network is what the
 * event loop is good at (async), parsing is CPU work that only more cores speed up (threads, procs), and a tree
 * copy sits in between (syscalls). Sizes are picked so the whole demo fits in about a minute on 2 cores while
 * the differences stay above the noise; `QUICK` is for tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { largeFiles, smallFiles } from '../../fixtures/tree.js';
import type { SiteServer } from '../../fixtures/site-server.js';
import type { JobName } from '../compare/job-plan.js';

export interface DemoSizes {
  /** Loopback hosts of the fixture site (127.0.0.1 .. N). */
  hosts: number;
  io: { urls: number; latencyMs: number; concurrency: number; perHost: number };
  parse: { pages: number; kib: number; concurrency: number };
  copy: { smallFiles: number; largeFiles: number; largeBytes: number };
}

export const FULL: DemoSizes = {
  hosts: 8,
  // 200 / 16 in flight x 40 ms: about 0.5 s of pure waiting, next to ~0.5 s of process start-up.
  io: { urls: 200, latencyMs: 40, concurrency: 16, perHost: 2 },
  // ~22 ms of parsing per 256 KiB page: ~2.2 s of CPU work. async already uses ~1.3 cores (V8 collects garbage
  // on helper threads), so two workers can gain ~1.5x at best, minus the ~0.15 s more that starting them costs:
  // the work must dwarf that to show.
  parse: { pages: 200, kib: 256, concurrency: 16 },
  copy: { smallFiles: 1200, largeFiles: 3, largeBytes: 4 * 2 ** 20 },
};

export const QUICK: DemoSizes = {
  hosts: 4,
  io: { urls: 24, latencyMs: 10, concurrency: 8, perHost: 2 },
  parse: { pages: 4, kib: 32, concurrency: 4 },
  copy: { smallFiles: 40, largeFiles: 1, largeBytes: 256 * 1024 },
};

export type WorkloadName = 'io-scrape' | 'parse-scrape' | 'tree-copy';

export interface DemoWorkload {
  /** Also the name of its report folder. */
  name: WorkloadName;
  title: string;
  /** What it is, in numbers, for the reader. */
  detail: string;
  /** What it is expected to show, said before the numbers are in. */
  expect: string;
  job: JobName;
  /** The job's arguments, as `fanout compare <job> ...` would take them. */
  args: string[];
}

/** Writes the URL lists and the source tree under `dir` and describes the three workloads. */
export function prepareWorkloads(site: SiteServer, dir: string, sizes: DemoSizes): DemoWorkload[] {
  const { io, parse, copy } = sizes;
  const spread = (n: number, path: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => `${site.urls[i % site.urls.length]}${path(i)}`).join('\n') + '\n';

  const ioList = join(dir, 'io-urls.txt');
  writeFileSync(ioList, spread(io.urls, (i) => `/page/${i}?latency=${io.latencyMs}`));
  const parseList = join(dir, 'parse-urls.txt');
  writeFileSync(parseList, spread(parse.pages, (i) => `/heavy/${parse.kib}?n=${i}`));

  const src = join(dir, 'tree');
  smallFiles(join(src, 'small'), copy.smallFiles);
  largeFiles(join(src, 'large'), copy.largeFiles, copy.largeBytes);

  const hosts = `${site.urls.length} loopback hosts`;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(n >= 2 ** 20 ? 0 : 2)} MiB`;
  return [
    {
      name: 'io-scrape',
      title: 'I/O-bound scrape',
      detail: `${io.urls} small pages over ${hosts}, each answered after ${io.latencyMs} ms; ${io.concurrency} in flight, ${io.perHost} per host`,
      expect: 'mostly waiting on the network: the event loop alone should keep up, so async should tie or win with the least CPU',
      job: 'scrape',
      args: [ioList, '-c', String(io.concurrency), '--per-host', String(io.perHost)],
    },
    {
      name: 'parse-scrape',
      title: 'Parse-heavy scrape',
      detail: `${parse.pages} pages of ${parse.kib} KiB over ${hosts}, every 'ul.items > li.item' extracted (--select-all: a child ` +
        `combinator needs the whole DOM, so cheerio parses each page); ${parse.concurrency} in flight`,
      expect: 'mostly HTML parsing, which blocks one event loop: threads and procs should win by using both cores',
      job: 'scrape',
      args: [parseList, '-c', String(parse.concurrency), '--per-host', String(parse.concurrency), '--select-all', 'items=ul.items > li.item'],
    },
    {
      name: 'tree-copy',
      title: 'Tree copy',
      detail: `${copy.smallFiles} files of 1-8 KiB in nested folders plus ${copy.largeFiles} of ${mib(copy.largeBytes)}, into a destination emptied before each run`,
      expect: 'several syscalls per file: async queues them on libuv\'s 4-thread pool, workers make them on their own threads; the disk decides',
      job: 'copy',
      args: [src, join(dir, 'copy-dst')],
    },
  ];
}
