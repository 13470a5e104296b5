/**
 * Start-up benchmark (issue 13): short jobs, where fanout's own loading is most of the time, against `node -e 0`
 * (Node's own start-up), curl and cp -a in the same run. Rounds are interleaved across commands, each command a
 * fresh process; the table gives medians of wall time, the same minus `node -e 0`'s (what fanout adds to Node),
 * and CPU (user + system). About 30 s.
 *
 * Alone: `node dist/bench/startup.js`. Environment: FANOUT_BENCH_SAMPLES (default 7) measured rounds after one
 * warm-up; FANOUT_BENCH_BASELINE=/path/to/bin/fanout.js adds the same rows for another build (before/after).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSiteServer } from '../fixtures/site-server.js';
import { smallFiles } from '../fixtures/tree.js';
import { median } from './machine.js';

const SAMPLES = Number(process.env.FANOUT_BENCH_SAMPLES ?? 7);
const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));
const BASELINE = process.env.FANOUT_BENCH_BASELINE;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

interface Row {
  name: string;
  argv: string[];
  /** Run before each sample, untimed (a copy's destination is removed). */
  before?: () => void;
  /** Most it may add to `node -e 0`'s median (issue 13's targets), in ms. */
  target?: number;
}

interface Sample {
  wall: number;
  cpu: number;
}

function timeOne(argv: string[]): Promise<Sample> {
  const cmd = TIME ? [TIME, '-f', '%U %S', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - t;
      if (code !== 0) return reject(new Error(`${argv.slice(0, 4).join(' ')} failed (${code}): ${err.slice(-1000)}`));
      const [user, sys] = TIME ? err.trim().split('\n').pop()!.split(' ').map(Number) : [NaN, NaN];
      resolve({ wall, cpu: (user! + sys!) * 1000 });
    });
  });
}

function fanoutRows(bin: string, label: string, list: string, src: string, dst: string, out: string): Row[] {
  const node = process.execPath;
  const clear = () => rmSync(dst, { recursive: true, force: true });
  return [
    { name: `${label} --version`, argv: [node, bin, '--version'], target: 60 },
    { name: `${label} --help`, argv: [node, bin, '--help'], target: 60 },
    { name: `${label} scrape 1 URL (async)`, argv: [node, bin, 'scrape', list, '-o', out, '-q'], target: 80 },
    { name: `${label} scrape 1 URL --threads 2`, argv: [node, bin, 'scrape', list, '-o', out, '-q', '--threads', '2'], target: 120 },
    { name: `${label} copy 100 files (async)`, argv: [node, bin, 'copy', src, dst, '-q'], before: clear, target: 100 },
  ];
}

export async function benchStartup(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'fanout-bench-startup-'));
  const site = await startSiteServer({ log: false, pageBytes: 2048 });
  try {
    const url = `${site.urls[0]}/page/1`;
    const list = join(work, 'one-url.txt');
    writeFileSync(list, `${url}\n`);
    const src = join(work, 'src');
    smallFiles(src, 100);
    const dst = join(work, 'dst');
    const out = join(work, 'out.jsonl');
    const rows: Row[] = [
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { name: 'curl (1 URL)', argv: ['curl', '-s', '-o', out, url] },
      { name: 'cp -a (100 files)', argv: ['cp', '-a', src, dst], before: () => rmSync(dst, { recursive: true, force: true }) },
      ...fanoutRows(BIN, 'fanout', list, src, dst, out),
      ...(BASELINE ? fanoutRows(BASELINE, 'baseline', list, src, dst, out) : []),
    ];
    const samples = new Map<Row, Sample[]>(rows.map((r) => [r, []]));
    for (let round = 0; round <= SAMPLES; round++) {
      for (const row of rows) {
        row.before?.();
        const s = await timeOne(row.argv);
        if (round > 0) samples.get(row)!.push(s); // round 0 warms the page cache (and the code cache)
      }
    }
    const nodeMs = median(samples.get(rows[0]!)!.map((s) => s.wall));
    const lines = [
      '## Start-up',
      '',
      `Each command a fresh process, ${SAMPLES} interleaved rounds after a warm-up; medians. "+ Node" is the wall time minus \`node -e 0\`'s ` +
        `(${nodeMs.toFixed(0)} ms here): what the command adds to Node's own start-up. Targets from issue 13. The URL is on a loopback server.`,
      '',
      '| command | wall | + Node | target | CPU (user+sys) |',
      '|---|---:|---:|---:|---:|',
    ];
    for (const row of rows) {
      const wall = median(samples.get(row)!.map((s) => s.wall));
      const cpu = median(samples.get(row)!.map((s) => s.cpu));
      const added = wall - nodeMs;
      const verdict = row.target === undefined ? '' : `<= +${row.target} ms ${added <= row.target ? 'met' : 'missed'}`;
      const plus = row === rows[0] ? '' : `${added >= 0 ? '+' : ''}${added.toFixed(0)} ms`;
      lines.push(`| ${row.name} | ${wall.toFixed(0)} ms | ${plus} | ${verdict} | ${Number.isNaN(cpu) ? '?' : `${cpu.toFixed(0)} ms`} |`);
    }
    return lines.join('\n');
  } finally {
    await site.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await benchStartup()}\n`);
