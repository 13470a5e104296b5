import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import yargs from 'yargs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCompareCommand } from '../../src/cli/commands/compare.js';
import { FAKE_JOB } from './fake-job.js';
import { smallFiles } from '../../fixtures/tree.js';
import { runCli, startCli } from '../helpers/cli.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fanout-cli-compare-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Parses argv the way src/cli/main.ts does (strict yargs), with compare pointed at the fake job. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; error?: Error & { code?: string } }> {
  let stdout = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((stdout += chunk), done()) });
  const command = makeCompareCommand({ jobCommand: () => ({ command: process.execPath, args: [FAKE_JOB] }), stdout: sink, stderr: new Writable({ write: (_c, _e, d) => d() }) });
  let code = 0;
  try {
    await yargs(argv)
      .strict()
      .fail((msg, err) => {
        throw err ?? Object.assign(new Error(msg), { code: 'USAGE' });
      })
      .command(command.command, command.describe, command.builder, async (args) => {
        code = await command.run(args);
      })
      .parseAsync();
    return { code, stdout };
  } catch (error) {
    return { code: 2, stdout, error: error as Error & { code?: string } };
  }
}

function urlList(dir: string, n: number): string {
  const file = join(dir, 'urls.txt');
  writeFileSync(file, Array.from({ length: n }, (_, i) => `http://127.0.0.1:1/${i}`).join('\n') + '\n');
  return file;
}

describe('fanout compare', () => {
  it('compares scrape strategies, passes the job its own options, and prints the JSON report', async () => {
    const dir = tempDir();
    const urls = urlList(dir, 7);
    const mine = join(dir, 'mine.jsonl');
    const report = join(dir, 'report');
    const r = await cli(['compare', 'scrape', urls, '-o', mine, '--sleep-ms', '*=5', '--modes', 'async,threads', '--workers', '2', '--runs', '2', '--warmup', '0', '--report', report, '--json']);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.strategies.map((s: { id: string }) => s.id)).toEqual(['async', 'threads:2']);
    expect(json.workload).toMatchObject({ job: 'scrape', args: [urls, '--sleep-ms', '*=5'], items: 7 });
    expect(json.workload.notes.join(' ')).toContain(`-o ${mine}`);
    expect(existsSync(mine)).toBe(false); // each run wrote to compare's temporary file instead
    for (const f of ['report.md', 'report.json', 'report.csv', 'report.html']) expect(existsSync(join(report, f))).toBe(true);
  });

  it('prints the table and exits 1 when a strategy produced a different result', async () => {
    const dir = tempDir();
    const r = await cli(['compare', 'scrape', urlList(dir, 5), '--drop', 'threads', '--modes', 'async,threads,procs', '--workers', '1', '--runs', '1', '--warmup', '0', '--report', join(dir, 'r')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^threads:1 .*DIFFERS/m);
    expect(r.stdout).toContain('warning: threads:1: its result differs');
    expect(JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8')).majorityHash).toMatch(/^sha256:/);
  });

  it('empties a copy destination before each run, hashes it itself, and leaves it as it found it', async () => {
    const dir = tempDir();
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (const name of ['a.txt', 'b.txt', 'sub/c.txt']) writeFileSync(join(src, name), `content of ${name}\n`);
    const dst = join(dir, 'dst');
    const r = await cli(['compare', 'copy', src, dst, '--drop', 'procs', '--modes', 'async,threads,procs', '--workers', '1', '--runs', '2', '--warmup', '0', '--report', join(dir, 'r'), '--json']);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.strategies.map((s: { id: string; correctness: { status: string } }) => [s.id, s.correctness.status])).toEqual([
      ['async', 'agrees'],
      ['threads:1', 'agrees'],
      ['procs:1', 'differs'],
    ]);
    // The gate used compare's own hash of DST, not the job's word for it.
    expect(json.samples[0].resultHash).not.toBe(json.samples[0].job.resultHash);
    expect(existsSync(dst)).toBe(false);
  });

  it('refuses a copy destination that is not empty, or inside the source, before running anything', async () => {
    const dir = tempDir();
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'keep.txt'), 'precious');
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    const notEmpty = await cli(['compare', 'copy', src, full]);
    expect(notEmpty).toMatchObject({ code: 2, error: { code: 'USAGE', message: expect.stringContaining('DST is not empty') } });
    expect(readFileSync(join(full, 'x'), 'utf8')).toBe('x');
    const inside = await cli(['compare', 'copy', dir, join(src, 'copy')]);
    expect(inside.error?.message).toMatch(/outside SRC/);
    const same = await cli(['compare', 'copy', src, src]);
    expect(same.error?.message).toMatch(/outside SRC/);
    expect(readFileSync(join(src, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it("refuses a report folder inside a copy's SRC or DST, or holding a scrape's input as a report file, before running anything", async () => {
    const dir = tempDir();
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'keep.txt'), 'precious');
    const dst = join(dir, 'dst');
    mkdirSync(dst);
    const slow = ['--sleep-ms', '*=60000', '--modes', 'async', '--runs', '1', '--warmup', '0'];
    for (const [report, message] of [
      [dst, /^--report .*dst is inside DST .*: compare empties DST after the last run/], // the reports were deleted, exit 0
      [join(dst, 'r'), /is inside DST/],
      [join(src, 'r'), /is inside SRC .*: the reports would change the tree being copied/],
    ] as const) {
      const r = await cli(['compare', 'copy', src, dst, ...slow, '--report', report]);
      expect(r.error, report).toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) });
    }
    expect(readdirSync(src)).toEqual(['keep.txt']);
    expect(readdirSync(dst)).toEqual([]);
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    const list = join(reports, 'report.csv');
    writeFileSync(list, 'http://127.0.0.1:1/a\n');
    const r = await cli(['compare', 'scrape', list, ...slow, '--report', reports]);
    expect(r.error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^--report .* holds the input file as report.csv: the report would replace the URL list$/) });
    expect(readFileSync(list, 'utf8')).toBe('http://127.0.0.1:1/a\n');
  }, 20_000);

  it('refuses flags compare sets itself, bad numbers and unknown jobs with a usage error', async () => {
    const dir = tempDir();
    const urls = urlList(dir, 1);
    const cases: [string[], RegExp][] = [
      [['compare', 'scrape', urls, '--threads', '2'], /use --modes and --workers/],
      [['compare', 'scrape', urls, '--resume'], /not be comparable/],
      [['compare', 'scrape', urls, '--workers', '0'], /--workers must be a whole number/],
      [['compare', 'scrape', urls, '--runs', '0'], /--runs must be a whole number/],
      [['compare', 'scrape', urls, '--modes', 'fibers'], /unknown mode 'fibers'/],
      [['compare', 'scrape', join(dir, 'missing.txt')], /no such input file/],
      [['compare', 'bake', urls], /Invalid values|Choices/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.error?.message, argv.join(' ')).toMatch(message);
    }
  });

  it('says that a URL list on stdin cannot be compared (every run needs it again), through the real command line', async () => {
    const r = await runCli(['compare', 'scrape', '-', '--runs', '1'], { input: 'http://127.0.0.1:1/\n' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^fanout: compare runs the job several times: give the input as a file, not stdin/)]);
  });

  it('stops with the job’s own message when the job refuses its arguments', async () => {
    const dir = tempDir();
    const r = await cli(['compare', 'scrape', urlList(dir, 1), '--refuse', '--report', join(dir, 'r', 'deeper')]);
    expect(r.error).toMatchObject({ code: 'JOB_USAGE', message: expect.stringContaining('--refuse was given') });
    expect(existsSync(join(dir, 'r'))).toBe(false); // the report folders made up front are removed again
  });

  it('refuses a report path it cannot write before running anything', async () => {
    const dir = tempDir();
    const urls = urlList(dir, 1);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const cases: [string, RegExp][] = [
      [file, /^cannot write the report to .*a-file: not a directory$/],
      [join(file, 'sub'), /^cannot write the report to .*sub: not a directory$/],
      // Node's own recursive mkdir never returns on this path: compare must answer, not spin.
      ['/proc/fanout-no-such/report', /^cannot write the report to \/proc\/fanout-no-such\/report: no such file or directory$/],
    ];
    for (const [report, message] of cases) {
      // A job that would sleep a minute per run: reaching it would blow the test's time, refusing takes milliseconds.
      const r = await cli(['compare', 'scrape', urls, '--sleep-ms', '*=60000', '--modes', 'async', '--runs', '1', '--warmup', '0', '--report', report]);
      expect(r.error, report).toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) });
    }
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  }, 20_000);

  it('stops on Ctrl-C mid-run with exit 130, writes no report, and leaves DST and its scratch files as it found them', async () => {
    const dir = tempDir();
    const src = join(dir, 'src');
    smallFiles(src, 300);
    const dst = join(dir, 'dst');
    const report = join(dir, 'report');
    const scratch = join(dir, 'tmp'); // compare's scratch files go here (TMPDIR), apart from other tests'
    mkdirSync(scratch);
    // The real CLI, interrupted as soon as the first run's copy has made DST (a run is under way).
    const args = ['compare', 'copy', src, dst, '--modes', 'async,threads', '--workers', '1', '--runs', '3', '--report', report];
    const { child, done } = startCli(args, { env: { TMPDIR: scratch } });
    const watcher = watch(dir, () => {
      if (existsSync(dst)) {
        watcher.close();
        child.kill('SIGINT');
      }
    });
    const r = await done;
    watcher.close();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^fanout: compare interrupted after \d+ of 8 runs; no report written$/m);
    expect(existsSync(dst)).toBe(false);
    expect(existsSync(report)).toBe(false);
    expect(readdirSync(scratch)).toEqual([]);
  });
});
