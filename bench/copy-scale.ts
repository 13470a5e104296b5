/**
 * Copy at scale: a tree of 200,000 small files on a tmpfs, where start-up is ~1 % and the per-entry cost decides.
 * Two workloads in one run, each against its C anchor: a fresh copy (`fanout copy` async, --threads 2, --procs 2)
 * against `cp -a`, and a no-op re-run over an up-to-date copy against `rsync -a`. Runs interleaved across tools after
 * one warm-up each, medians with min-max, the ratio to the anchor, and CPU (user + system), the less noisy figure on
 * a shared machine. The re-run also shows Node's floor (rerun-floor.ts): the lstats alone, on two threads, and is
 * repeated over the same number of files in folders of 10 (what a folder costs).
 *
 * Alone: `node dist/bench/copy-scale.js`. Environment: FANOUT_BENCH_FILES (default 200,000) scales the tree;
 * FANOUT_BENCH_SAMPLES (default 3 here) the measured runs per tool; FANOUT_BENCH_BASELINE=/path/to/bin/fanout.js
 * adds another build's rows (an A/B). Skipped, with the reason printed, without a tmpfs with room for three trees;
 * the re-run workload without rsync.
 */
import { rmSync, statfsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { smallFiles } from '../fixtures/tree.js';
import { ensureRsync, load, measureCopies, measureReruns, scratch, table, type Tool } from './copy.js';

const FILES = Number(process.env.FANOUT_BENCH_FILES ?? 200_000);
const SAMPLES = Number(process.env.FANOUT_BENCH_SAMPLES ?? 3);
const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./rerun-floor.js', import.meta.url));
const BASELINE = process.env.FANOUT_BENCH_BASELINE;
const TMPFS_MAGIC = 0x01021994;
/** A tree of 1-8 KiB files takes ~6.5 KiB per file on a tmpfs (whole pages); SRC, a copy and the re-run's copy. */
const BYTES_PER_FILE = 3 * 8 << 10;

const rows = (bin: string, label: string, fanout: boolean): Tool[] =>
  [[], ['--threads', '2'], ['--procs', '2']].map((flags) => ({
    name: `${label}${flags.length ? ` ${flags.join(' ')}` : ' (async)'}`,
    argv: (src, dst) => [process.execPath, bin, 'copy', src, dst, '--quiet', ...flags],
    fanout,
  }));

/** Why the section cannot run in `dir`, or null. */
function noRoom(dir: string): string | null {
  const fs = statfsSync(dir);
  if (fs.type !== TMPFS_MAGIC) return `${dir} is not a tmpfs (timings on this disk swing 10x)`;
  const free = fs.bavail * fs.bsize;
  const need = FILES * BYTES_PER_FILE;
  if (free < need) return `${dir} has ${(free / 2 ** 30).toFixed(1)} GiB free, ${(need / 2 ** 30).toFixed(1)} GiB needed`;
  return null;
}

export async function benchCopyScale(): Promise<string> {
  const files = FILES.toLocaleString('en');
  const parts = ['## copy-scale', ''];
  const { dir, cleanup } = scratch();
  const started = performance.now();
  try {
    const why = noRoom(dir);
    if (why) {
      parts.push(`Skipped: ${why}.`, '');
      return parts.join('\n');
    }
    const rsync = ensureRsync();
    parts.push(`${files} files of 1-8 KiB (100 per folder), in a tmpfs, page cache warm; fanout is the CLI (a fresh ` +
      `process per run); median of ${SAMPLES} runs interleaved across tools after one warm-up each. CPU is user + ` +
      `system of the process and its children. ${rsync.note}. Load average at the start: ${load()}.`, '');
    smallFiles(`${dir}/src`, FILES);
    const baseline = BASELINE ? rows(BASELINE, 'baseline', false) : [];
    const copyTools: Tool[] = [{ name: 'cp -a', argv: (s, d) => ['cp', '-a', `${s}/.`, d] }, ...rows(BIN, 'fanout', true), ...baseline];
    parts.push(table(`Copy of ${files} small files into an empty folder (target: <= 1.0x cp -a; moonshot 0.7x)`,
      measureCopies(`${dir}/src`, dir, copyTools, SAMPLES), 'cp -a', 1, copyTools));
    if (rsync.ok) {
      // The last row lists every DST folder for temps, as a run without the record of clean folders does.
      const fullSweep: Tool = { name: 'fanout --threads 2 --no-sweep-record', argv: (s, d) => [process.execPath, BIN, 'copy', s, d, '--quiet', '--threads', '2', '--no-sweep-record'], fanout: true };
      // What Node alone costs for the same lstats, with nothing of fanout's guarantees (rerun-floor.ts).
      const floor: Tool = { name: 'Node floor: 2 threads, lstats only', argv: (s, d) => [process.execPath, FLOOR, s, d, '2'] };
      const rerunTools: Tool[] = [{ name: 'rsync -a', argv: (s, d) => ['rsync', '-a', `${s}/`, `${d}/`] }, ...rows(BIN, 'fanout', true), fullSweep, floor, ...baseline];
      parts.push(table(`No-op re-run over an up-to-date copy of ${files} files (target: <= 1.0x rsync -a; moonshot 0.7x)`,
        measureReruns(`${dir}/src`, dir, rerunTools, SAMPLES), 'rsync -a', 1, rerunTools));
      // The same files in folders of 10, as source trees and node_modules hold them: what each folder costs.
      rmSync(`${dir}/src`, { recursive: true, force: true });
      smallFiles(`${dir}/src`, FILES, 10);
      const smallTools = rerunTools.filter((t) => t !== fullSweep);
      parts.push(table(`No-op re-run, the same number of files in folders of 10 (no target; the cost of a folder)`,
        measureReruns(`${dir}/src`, dir, smallTools, SAMPLES), 'rsync -a', 1, smallTools));
    } else {
      parts.push(`Re-run skipped: ${rsync.note}.`, '');
    }
    rmSync(`${dir}/src`, { recursive: true, force: true });
  } finally {
    cleanup();
  }
  parts.push(`Load average at the end: ${load()}; the section took ${((performance.now() - started) / 1000).toFixed(0)} s.`, '');
  return parts.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await benchCopyScale()}\n`);
