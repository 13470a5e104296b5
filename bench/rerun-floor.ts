/**
 * The floor of a no-op re-run in Node: the least a Node program can do to decide that every file of SRC is up to
 * date in DST, with two worker threads. The main thread lists SRC's folders by path; each worker lists its share of
 * them and compares size and mtime from two lstats a file, read from Node's fs binding without building an fs.Stats.
 * Nothing else: no ordered records, no anchored folders, no temp sweep, no folder metadata, no fallback. Not a tool;
 * a bench row (copy-scale.ts) that shows what is left for everything fanout does beyond the lstats.
 *
 * `node dist/bench/rerun-floor.js SRC DST [threads]`: prints the files found up to date.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

type RawLstat = (path: string, bigint: false, req: undefined, throwIfNoEntry: false) => Float64Array | undefined;

interface Share {
  src: string;
  dst: string;
  dirs: string[];
}

if (isMainThread) {
  const [src, dst, threads = '2'] = process.argv.slice(2);
  const dirs: string[] = [''];
  for (let i = 0; i < dirs.length; i++) {
    const rel = dirs[i];
    for (const e of readdirSync(rel ? `${src}/${rel}` : src, { withFileTypes: true })) if (e.isDirectory()) dirs.push(rel ? `${rel}/${e.name}` : e.name);
  }
  const n = Number(threads);
  let upToDate = 0;
  let left = n;
  for (let w = 0; w < n; w++) {
    const share: Share = { src: src!, dst: dst!, dirs: dirs.filter((_, i) => i % n === w) };
    new Worker(fileURLToPath(import.meta.url), { workerData: share }).on('message', (count: number) => {
      upToDate += count;
      if (--left === 0) process.stdout.write(`${upToDate} files up to date\n`);
    });
  }
} else {
  const { src, dst, dirs } = workerData as Share;
  const lstat = (process as unknown as { binding(name: string): { lstat: RawLstat } }).binding('fs').lstat;
  const mtime = (a: Float64Array) => a[12] * 1e3 + a[13] / 1e6;
  let count = 0;
  for (const rel of dirs) {
    const at = rel ? `/${rel}/` : '/';
    for (const e of readdirSync(src + at.slice(0, -1), { withFileTypes: true })) {
      if (!e.isFile()) continue;
      const s = lstat(`${src}${at}${e.name}`, false, undefined, false);
      if (!s) continue;
      const size = s[8];
      const time = mtime(s);
      const d = lstat(`${dst}${at}${e.name}`, false, undefined, false);
      if (d && d[8] === size && mtime(d) === time) count++;
    }
  }
  parentPort!.postMessage(count);
}
