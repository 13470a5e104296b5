/**
 * Copy benchmark: `fanout copy` (the CLI a user runs, each mode, a fresh process per run) against cp -a, rsync -a
 * and Node's fs.promises.cp, in one run, on trees built in a tmpfs (this disk's `discard` makes timings on it
 * swing 10x). Runs are interleaved across tools; medians with min-max, the ratio to the target's baseline, CPU
 * (user + system, children included) and peak RSS. rsync is installed with apt-get when missing and running as
 * root, else its rows are skipped with a note.
 *
 * Alone: `node dist/bench/copy.js` prints the section. Environment:
 * - FANOUT_BENCH_ENTRIES=0 skips the 1,000,000-entry memory run (about 40 s of the default run);
 * - FANOUT_BENCH_SAMPLES (default 5) sets the measured runs per tool;
 * - FANOUT_BENCH_BASELINE=/path/to/bin/fanout.js adds rows for another build (a before/after comparison).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { largeFiles, manyEntries, smallFiles } from '../fixtures/tree.js';
import { median } from './machine.js';

const SAMPLES = Number(process.env.FANOUT_BENCH_SAMPLES ?? 5);
const WORKERS = Math.max(2, availableParallelism());
const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const BASELINE = process.env.FANOUT_BENCH_BASELINE;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export interface Tool {
  name: string;
  argv: (src: string, dst: string) => string[];
  /** Runs once only (too slow to repeat within the time budget). */
  once?: boolean;
  /** A fanout row: the verdict line picks the best of these. */
  fanout?: boolean;
}

export const fanoutRows = (bin: string, label: string): Tool[] =>
  [[], ['--threads', String(WORKERS)], ['--procs', String(WORKERS)]].map((flags) => ({
    name: `${label}${flags.length ? ` ${flags.join(' ')}` : ' (async)'}`,
    argv: (src, dst) => [process.execPath, bin, 'copy', src, dst, '--quiet', ...flags],
    fanout: bin === BIN,
  }));

const nodeCp = (once: boolean): Tool => ({
  name: 'Node fs.promises.cp',
  argv: (src, dst) => [process.execPath, '-e',
    `require('fs').promises.cp(process.argv[1], process.argv[2], { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, force: true })`, src, dst],
  once,
});

function tools(rsync: boolean, extra: Tool[]): Tool[] {
  const list: Tool[] = [{ name: 'cp -a', argv: (s, d) => ['cp', '-a', `${s}/.`, d] }];
  if (rsync) list.push({ name: 'rsync -a', argv: (s, d) => ['rsync', '-a', `${s}/`, `${d}/`] });
  list.push(...fanoutRows(BIN, 'fanout'));
  if (BASELINE) list.push(...fanoutRows(BASELINE, 'baseline'));
  return [...list, ...extra];
}

export interface Sample {
  wall: number;
  cpu: number;
  rssMb: number;
}

export function timeOne(argv: string[]): Sample {
  const cmd = TIME ? [TIME, '-f', '%U %S %M', ...argv] : argv;
  const t = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [user, sys, kb] = TIME ? r.stderr.trim().split('\n').pop()!.split(' ').map(Number) : [NaN, NaN, NaN];
  return { wall, cpu: user + sys, rssMb: kb / 1024 };
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** rsync is the re-run target's baseline: installed once when missing and root may (apt-get), else skipped. */
export function ensureRsync(): { ok: boolean; note: string } {
  if (which('rsync')) return { ok: true, note: 'rsync: installed' };
  if (process.geteuid?.() !== 0 || !which('apt-get')) return { ok: false, note: 'rsync: not installed and not root: its rows are skipped' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'rsync'], { env, stdio: 'ignore' });
  return r.status === 0 && which('rsync')
    ? { ok: true, note: 'rsync: installed by this bench (apt-get)' }
    : { ok: false, note: 'rsync: apt-get install failed: its rows are skipped' };
}

/**
 * A fresh copy per sample into an empty DST; samples interleaved across tools, after one untimed warm-up each
 * (the first copy into a new tmpfs pays for its page allocation: cp -a's first run took 3x its median).
 */
export function measureCopies(src: string, work: string, list: Tool[], samples = SAMPLES): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>(list.map((t) => [t.name, []]));
  const dst = `${work}/dst`;
  for (const t of list.filter((x) => !x.once)) {
    rmSync(dst, { recursive: true, force: true });
    mkdirSync(dst);
    timeOne(t.argv(src, dst));
  }
  for (let i = 0; i < samples; i++) {
    for (const t of list) {
      if (t.once && i > 0) continue;
      rmSync(dst, { recursive: true, force: true });
      mkdirSync(dst);
      out.get(t.name)!.push(timeOne(t.argv(src, dst)));
    }
  }
  rmSync(dst, { recursive: true, force: true });
  return out;
}

/** Re-runs over an up-to-date copy (incremental tools only), after one warm-up each. */
export function measureReruns(src: string, work: string, list: Tool[], samples = SAMPLES): Map<string, Sample[]> {
  const dst = `${work}/rerun-dst`;
  spawnSync('cp', ['-a', `${src}/.`, dst]);
  const out = new Map<string, Sample[]>(list.map((t) => [t.name, []]));
  for (const t of list) timeOne(t.argv(src, dst)); // warm-up: also leaves the copy current for each tool
  for (let i = 0; i < samples; i++) for (const t of list) out.get(t.name)!.push(timeOne(t.argv(src, dst)));
  rmSync(dst, { recursive: true, force: true });
  return out;
}

/** The table, and a verdict line: the best fanout row against `limit` x the baseline's median. */
export function table(title: string, results: Map<string, Sample[]>, baseline: string | null, limit: number, list: Tool[]): string {
  const base = baseline ? median(results.get(baseline)!.map((s) => s.wall)) : NaN;
  const rows = [...results].map(([name, samples]) => {
    const walls = samples.map((s) => s.wall);
    const m = median(walls);
    const rss = median(samples.map((s) => s.rssMb));
    const cpu = median(samples.map((s) => s.cpu));
    const ratio = baseline ? `${(m / base).toFixed(2)}x` : '';
    const runs = samples.length === 1 ? ' (1 run)' : '';
    const fmt = (x: number, unit: string) => (Number.isNaN(x) ? '' : `${x.toFixed(unit === 's' ? 2 : 0)} ${unit}`);
    return `| ${name} | ${m.toFixed(3)} s${runs} | ${Math.min(...walls).toFixed(3)} - ${Math.max(...walls).toFixed(3)} s | ${ratio} | ${fmt(cpu, 's')} | ${fmt(rss, 'MB')} |`;
  });
  const lines = [`**${title}**`, '', `| tool | median wall | min - max | vs ${baseline ?? '-'} | CPU (user+sys) | peak RSS |`, '|---|---|---|---|---|---|', ...rows, ''];
  if (baseline) {
    const best = list.filter((t) => t.fanout).map((t) => ({ name: t.name, m: median(results.get(t.name)!.map((s) => s.wall)) })).sort((a, b) => a.m - b.m)[0];
    const ratio = best.m / base;
    let verdict = `Best fanout: ${best.name}, ${ratio.toFixed(2)}x ${baseline} (target <= ${limit}x): ${ratio <= limit ? 'met' : 'not met'}`;
    const nodeCp = results.get('Node fs.promises.cp');
    if (nodeCp && title.includes('10x')) {
      const faster = median(nodeCp.map((s) => s.wall)) / best.m;
      verdict += `; ${faster.toFixed(1)}x faster than fs.promises.cp (target >= 10x): ${faster >= 10 ? 'met' : 'not met'}`;
    }
    lines.push(`${verdict}.`, '');
  }
  return lines.join('\n');
}

export function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync('/tmp/fanout-bench-copy-');
  if (process.geteuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8g', 'tmpfs', dir]).status === 0) {
    return { dir, cleanup: () => (spawnSync('umount', ['-l', dir]), rmSync(dir, { recursive: true, force: true })) };
  }
  rmSync(dir, { recursive: true, force: true });
  const shm = mkdtempSync('/dev/shm/fanout-bench-copy-');
  return { dir: shm, cleanup: () => rmSync(shm, { recursive: true, force: true }) };
}

export const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

export async function benchCopy(): Promise<string> {
  const rsync = ensureRsync();
  const { dir, cleanup } = scratch();
  const started = performance.now();
  const parts = [
    '## copy',
    '',
    `\`fanout copy\` (the CLI, a fresh process per run: start-up included) vs the C tools and Node's fs.promises.cp, ` +
      `in a tmpfs, page cache warm; median of ${SAMPLES} runs, interleaved across tools ` +
      `(fs.promises.cp on the small-file tree: 1 run). ${WORKERS} workers for threads/procs. ${rsync.note}. ` +
      `CPU is user + system of the process and its children. Load average at the start: ${load()}.`,
    '',
  ];
  try {
    const withRsync = (extra: Tool[]) => tools(rsync.ok, extra);
    smallFiles(`${dir}/small`, 20_000);
    const small = withRsync([nodeCp(true)]);
    parts.push(table('20,000 files of 1-8 KiB, nested (target: <= 1.2x cp -a, and >= 10x faster than fs.promises.cp)',
      measureCopies(`${dir}/small`, dir, small), 'cp -a', 1.2, small));
    rmSync(`${dir}/small`, { recursive: true });

    largeFiles(`${dir}/large`, 6, 256 << 20);
    const large = withRsync([nodeCp(false)]);
    parts.push(table('6 files of 256 MiB (target: <= 1.1x cp -a)', measureCopies(`${dir}/large`, dir, large), 'cp -a', 1.1, large));
    rmSync(`${dir}/large`, { recursive: true });

    smallFiles(`${dir}/rerun`, 65_000);
    const rerun = withRsync([]).filter((t) => t.name !== 'cp -a');
    parts.push(table('Re-run over an up-to-date copy of 65,000 files (target: no slower than rsync -a)',
      measureReruns(`${dir}/rerun`, dir, rerun), rsync.ok ? 'rsync -a' : null, 1, rerun));
    rmSync(`${dir}/rerun`, { recursive: true });

    const entries = Number(process.env.FANOUT_BENCH_ENTRIES ?? 1_000_000);
    if (entries > 0) {
      manyEntries(`${dir}/many`, entries);
      const [threads] = fanoutRows(BIN, 'fanout').slice(1);
      const s = timeOne(threads.argv(`${dir}/many`, `${dir}/many-dst`));
      parts.push(`**${entries.toLocaleString('en')} entries (empty files, 1,000 per folder), ${threads.name}:** ` +
        `${s.wall.toFixed(1)} s, peak RSS ${s.rssMb.toFixed(0)} MB (target: < 200 MB: ${s.rssMb < 200 ? 'met' : 'not met'}).`, '');
    }
  } finally {
    cleanup();
  }
  parts.push(`Load average at the end: ${load()}; the section took ${((performance.now() - started) / 1000).toFixed(0)} s.`, '');
  return parts.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await benchCopy()}\n`);
