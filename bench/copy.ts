/**
 * Copy benchmark: fanout (each mode, a fresh process per run) against cp -a, rsync -a (when installed) and
 * Node's fs.promises.cp, on trees built in a tmpfs (this disk's `discard` makes timings on it swing 10x).
 * Runs are interleaved across tools; the median of 3 is reported with its ratio to cp -a, and peak RSS.
 *
 * Alone: `node dist/bench/copy.js` prints the section. FANOUT_BENCH_ENTRIES=0 skips the 1,000,000-entry
 * memory run (about a minute of the default run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { largeFiles, manyEntries, smallFiles } from '../fixtures/tree.js';
import { median } from './machine.js';

const SAMPLES = 3;
const WORKERS = Math.max(2, cpus().length);
const COPY_LIB = fileURLToPath(new URL('../src/jobs/copy/copy.js', import.meta.url));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

interface Tool {
  name: string;
  argv: (src: string, dst: string) => string[];
  /** Runs once only (too slow to repeat within the time budget). */
  once?: boolean;
}

/** fanout through its library entry: the CLI's own start-up (yargs) adds ~20 ms and no copy work. */
const fanout = (mode: 'async' | 'threads' | 'procs'): Tool => ({
  name: mode === 'async' ? 'fanout (async)' : `fanout --${mode} ${WORKERS}`,
  argv: (src, dst) => [process.execPath, '--input-type=module', '-e',
    `const { copy } = await import(${JSON.stringify(COPY_LIB)});
     const s = await copy({ src: process.argv[1], dst: process.argv[2], mode: '${mode}', workers: ${WORKERS} });
     if (s.failed) { console.error(JSON.stringify(s.firstFailures)); process.exit(1); }`, src, dst],
});

const nodeCp: Tool = {
  name: 'Node fs.promises.cp',
  argv: (src, dst) => [process.execPath, '-e',
    `require('fs').promises.cp(process.argv[1], process.argv[2], { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })`, src, dst],
};

function tools(withNodeCp: boolean): Tool[] {
  const list: Tool[] = [{ name: 'cp -a', argv: (s, d) => ['cp', '-a', `${s}/.`, d] }];
  if (which('rsync')) list.push({ name: 'rsync -a', argv: (s, d) => ['rsync', '-a', `${s}/`, `${d}/`] });
  list.push(fanout('async'), fanout('threads'), fanout('procs'));
  if (withNodeCp) list.push({ ...nodeCp, once: true });
  return list;
}

interface Sample {
  wall: number;
  rssMb: number;
}

function timeOne(argv: string[]): Sample {
  const cmd = TIME ? [TIME, '-f', '%M', ...argv] : argv;
  const t = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} failed: ${r.stderr}`);
  const kb = TIME ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { wall, rssMb: kb / 1024 };
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A fresh copy per sample into an empty DST; samples interleaved across tools. */
function measureCopies(src: string, work: string, list: Tool[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>(list.map((t) => [t.name, []]));
  for (let i = 0; i < SAMPLES; i++) {
    for (const t of list) {
      if (t.once && i > 0) continue;
      const dst = `${work}/dst`;
      rmSync(dst, { recursive: true, force: true });
      mkdirSync(dst);
      out.get(t.name)!.push(timeOne(t.argv(src, dst)));
    }
  }
  rmSync(`${work}/dst`, { recursive: true, force: true });
  return out;
}

/** Re-runs over an up-to-date copy (only incremental tools). */
function measureReruns(src: string, work: string): Map<string, Sample[]> {
  const list = tools(false).filter((t) => t.name !== 'cp -a');
  const dst = `${work}/rerun-dst`;
  spawnSync('cp', ['-a', `${src}/.`, dst]);
  const out = new Map<string, Sample[]>(list.map((t) => [t.name, []]));
  for (const t of list) timeOne(t.argv(src, dst)); // warm-up: also proves the copy is current for each tool
  for (let i = 0; i < SAMPLES; i++) for (const t of list) out.get(t.name)!.push(timeOne(t.argv(src, dst)));
  rmSync(dst, { recursive: true, force: true });
  return out;
}

function table(title: string, results: Map<string, Sample[]>, baseline: string | null): string {
  const base = baseline ? median(results.get(baseline)!.map((s) => s.wall)) : NaN;
  const rows = [...results].map(([name, samples]) => {
    const walls = samples.map((s) => s.wall);
    const m = median(walls);
    const rss = median(samples.map((s) => s.rssMb));
    const ratio = baseline ? `${(m / base).toFixed(2)}x` : '';
    const runs = samples.length === 1 ? ' (1 run)' : '';
    return `| ${name} | ${m.toFixed(3)} s${runs} | ${Math.min(...walls).toFixed(3)} - ${Math.max(...walls).toFixed(3)} s | ${ratio} | ${Number.isNaN(rss) ? '' : `${rss.toFixed(0)} MB`} |`;
  });
  return [`**${title}**`, '', `| tool | median wall | min - max | vs ${baseline ?? '-'} | peak RSS |`, '|---|---|---|---|---|', ...rows, ''].join('\n');
}

function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync('/tmp/fanout-bench-copy-');
  if (process.geteuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8g', 'tmpfs', dir]).status === 0) {
    return { dir, cleanup: () => (spawnSync('umount', ['-l', dir]), rmSync(dir, { recursive: true, force: true })) };
  }
  rmSync(dir, { recursive: true, force: true });
  const shm = mkdtempSync('/dev/shm/fanout-bench-copy-');
  return { dir: shm, cleanup: () => rmSync(shm, { recursive: true, force: true }) };
}

export async function benchCopy(): Promise<string> {
  const { dir, cleanup } = scratch();
  const parts = [
    '## copy',
    '',
    `fanout copy vs the C tools, in a tmpfs, page cache warm; median of ${SAMPLES} fresh-process runs, interleaved ` +
      `(Node fs.promises.cp: 1 run). ${WORKERS} workers for threads/procs. rsync: ${which('rsync') ? 'installed' : 'not installed here'}.`,
    '',
  ];
  try {
    smallFiles(`${dir}/small`, 20_000);
    parts.push(table('20,000 files of 1-8 KiB, nested (target: <= 1.2x cp -a)', measureCopies(`${dir}/small`, dir, tools(true)), 'cp -a'));
    rmSync(`${dir}/small`, { recursive: true });

    largeFiles(`${dir}/large`, 6, 256 << 20);
    parts.push(table('6 files of 256 MiB (target: <= 1.1x cp -a)', measureCopies(`${dir}/large`, dir, tools(true)), 'cp -a'));
    rmSync(`${dir}/large`, { recursive: true });

    smallFiles(`${dir}/rerun`, 65_000);
    const reruns = measureReruns(`${dir}/rerun`, dir);
    parts.push(table('Re-run over an up-to-date copy of 65,000 files (target: no slower than rsync -a; 0.37 s in NOTES)', reruns, which('rsync') ? 'rsync -a' : null));
    rmSync(`${dir}/rerun`, { recursive: true });

    const entries = Number(process.env.FANOUT_BENCH_ENTRIES ?? 1_000_000);
    if (entries > 0) {
      manyEntries(`${dir}/many`, entries);
      const s = timeOne(fanout('threads').argv(`${dir}/many`, `${dir}/many-dst`));
      parts.push(`**${entries.toLocaleString('en')} entries (empty files, 1,000 per folder), fanout --threads ${WORKERS}:** ` +
        `${s.wall.toFixed(1)} s, peak RSS ${s.rssMb.toFixed(0)} MB (target: < 200 MB).`, '');
    }
  } finally {
    cleanup();
  }
  return parts.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await benchCopy()}\n`);
