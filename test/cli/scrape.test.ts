import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, linkSync, openSync, symlinkSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { until } from '../../fixtures/scrape-options.js';
import { BIN, lineCount, parseJsonl, runCli, runCliOn, stable, startCli, writeList } from '../helpers/cli.js';
import { spawn } from 'node:child_process';
import { CsvReader } from '../../src/jobs/scrape/csv.js';

let site: SiteServer;
let dir: string;
beforeAll(async () => {
  site = await startSiteServer({ hosts: 2 });
  dir = await mkdtemp(join(tmpdir(), 'fanout-cli-scrape-'));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const list = (name: string, lines: string[]) => writeList(dir, name, lines);


describe('fanout scrape', () => {
  it('exits 0 when every record is ok and 1 when some failed', async () => {
    const good = await list('good.txt', [`${site.url}/page/1`, `${site.urls[1]}/page/2`]);
    const ok = await runCli(['scrape', good, '--quiet']);
    expect(ok.code).toBe(0);
    expect(parseJsonl(ok.stdout).map((r) => r.ok)).toEqual([true, true]);
    const bad = await list('bad.txt', [`${site.url}/page/1`, `${site.url}/status/500`]);
    const failed = await runCli(['scrape', bad, '--quiet', '--retries', '0']);
    expect(failed.code).toBe(1);
    expect(parseJsonl(failed.stdout)[1]).toMatchObject({ ok: false, status: 500, error: { code: 'HTTP_STATUS' } });
  });

  it('reads URLs from stdin with -', async () => {
    const r = await runCli(['scrape', '-', '--quiet', '--threads', '2'], { input: `${site.url}/page/a\n\n# skip\n${site.url}/page/b\n` });
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout).map((x) => [x.index, x.title])).toEqual([[0, 'Page /page/a'], [1, 'Page /page/b']]);
  });

  it('turns a CSV sheet into CSV results with its own columns kept', async () => {
    const sheet = join(dir, 'sheet.csv');
    await writeFile(sheet, `id,url,note\n7,${site.url}/page/x,"a, b"\n8,oops,c\n`);
    const r = await runCli(['scrape', sheet, '--column', 'url', '--format', 'csv', '--quiet', '--select', 'h=h1']);
    expect(r.code).toBe(1);
    const rows = new CsvReader().push(r.stdout);
    const header = rows[0]!;
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    expect(header.slice(-3)).toEqual(['data.h', 'id', 'note']);
    expect(rows.slice(1).map((row) => [col(row, 'id'), col(row, 'note'), col(row, 'ok'), col(row, 'errorCode')])).toEqual([
      ['7', 'a, b', 'true', ''],
      ['8', 'c', 'false', 'INVALID_URL'],
    ]);
  });

  it('leaves a clean in-order prefix on Ctrl-C, and --resume finishes a file equal to an uninterrupted run', async () => {
    const urls = [...Array.from({ length: 30 }, (_, i) => `${site.urls[i % 2]}/page/${i}`), `${site.url}/hang`, ...Array.from({ length: 30 }, (_, i) => `${site.urls[i % 2]}/page/b${i}`)];
    const input = await list('interrupt.txt', urls);
    const out = join(dir, 'interrupt.jsonl');
    const flags = ['--retries', '0', '--concurrency', '8', '--quiet'];
    // The hanging URL must still hang when Ctrl-C comes: with --timeout 2 here, a loaded machine that took 2 s
    // from its start to the signal would have written its TIMEOUT record into the prefix. The resumed and the
    // reference runs time it out after 2 s alike (the prefix holds only pages, which no timeout affects).
    const { child, done } = startCli(['scrape', input, '-o', out, '--timeout', '60', ...flags]);
    await until(() => lineCount(out) >= 30, 30_000); // everything before the hanging URL is written (a safety net)
    child.kill('SIGINT');
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    const prefix = await readFile(out, 'utf8');
    expect(prefix.endsWith('\n')).toBe(true);
    expect(parseJsonl(prefix).map((r) => r.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));

    const resumed = await runCli(['scrape', input, '-o', out, '--resume', '--timeout', '2', ...flags]);
    expect(resumed.code).toBe(1); // the hanging URL times out
    const reference = join(dir, 'reference.jsonl');
    expect((await runCli(['scrape', input, '-o', reference, '--timeout', '2', ...flags])).code).toBe(1);
    const finished = parseJsonl<{ ms: number }>(await readFile(out, 'utf8'));
    expect(stable(finished)).toEqual(stable(parseJsonl<{ ms: number }>(await readFile(reference, 'utf8'))));
    expect(finished).toHaveLength(61);
  });

  it('keeps a worker fed hostile deep pages responsive in threads mode: PAGE_TOO_DEEP records at once, and Ctrl-C exits 130', async () => {
    // Each of these pages held a worker for about a minute of CPU, deaf to Ctrl-C, before extraction was bounded.
    const urls = [...Array.from({ length: 6 }, () => `${site.url}/deep/100000`), `${site.url}/hang`, `${site.url}/page/after-deep`];
    const input = await list('deep.txt', urls);
    const out = join(dir, 'deep.jsonl');
    const { child, done } = startCli(['scrape', input, '-o', out, '--threads', '1', '--select', 'x=body div span', '--timeout', '60', '--retries', '0', '--quiet']);
    await until(() => lineCount(out) >= 6, 30_000); // a safety net: each page is answered in milliseconds
    const signalled = performance.now();
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(15_000); // the grace period (5 s) and start-up, with room
    const records = parseJsonl<{ index: number; error: { code: string } | null }>(await readFile(out, 'utf8'));
    expect(records.map((r) => [r.index, r.error?.code])).toEqual(Array.from({ length: 6 }, (_, i) => [i, 'PAGE_TOO_DEEP']));
  }, 60_000);

  it.each([
    ['SIGTERM', 'systemd, kill -- -PGID', 143],
    ['SIGHUP', 'the terminal closed', 129],
  ] as const)('stops as cleanly on %s to its whole process group (%s) in procs mode: exit %i, a clean prefix', async (signal, _why, code) => {
    const urls = [...Array.from({ length: 10 }, (_, i) => `${site.url}/page/${signal}${i}`), `${site.url}/hang`, `${site.url}/page/after`];
    const input = await list(`${signal}.txt`, urls);
    const out = join(dir, `${signal}.jsonl`);
    // Its own process group, so that the signal reaches the coordinator and both worker processes at once.
    const child = spawn(process.execPath, [BIN, 'scrape', input, '-o', out, '--timeout', '60', '--retries', '0', '--procs', '2', '--quiet'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await until(() => lineCount(out) >= 10, 30_000); // everything before the hanging URL is written (a safety net)
    process.kill(-child.pid!, signal);
    expect(await exited).toBe(code);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace from a worker
    const prefix = await readFile(out, 'utf8');
    expect(prefix.endsWith('\n')).toBe(true);
    expect(parseJsonl(prefix).map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('cuts a torn last line left by a hard kill before resuming', async () => {
    const urls = Array.from({ length: 6 }, (_, i) => `${site.url}/page/t${i}`);
    const input = await list('torn.txt', urls);
    const out = join(dir, 'torn.jsonl');
    expect((await runCli(['scrape', input, '-o', out, '--quiet'])).code).toBe(0);
    const whole = await readFile(out, 'utf8');
    const firstThree = whole.split('\n').slice(0, 3).join('\n') + '\n';
    await writeFile(out, firstThree);
    await appendFile(out, whole.split('\n')[3]!.slice(0, 25)); // a torn fourth line
    expect((await runCli(['scrape', input, '-o', out, '--resume', '--quiet'])).code).toBe(0);
    expect(stable(parseJsonl<{ ms: number }>(await readFile(out, 'utf8')))).toEqual(stable(parseJsonl<{ ms: number }>(whole)));
  });

  it('exits 1 when resuming a file whose earlier records failed, as the uninterrupted run did', async () => {
    const input = await list('resume-failed.txt', [`${site.url}/status/404`, `${site.url}/page/rf`]);
    for (const format of ['jsonl', 'csv']) {
      const out = join(dir, `resume-failed.${format}`);
      expect((await runCli(['scrape', input, '-o', out, '--format', format, '--quiet'])).code).toBe(1);
      const again = await runCli(['scrape', input, '-o', out, '--format', format, '--resume']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/done: 0 urls \(\+2 from the resumed file, 1 of them failed\)/);
    }
  });

  it('refuses to resume a file written for another input list, and leaves it as it was', async () => {
    const first = await list('resume-a.txt', [`${site.url}/page/ra0`, `${site.url}/page/ra1`, `${site.url}/page/ra2`]);
    const other = await list('resume-b.txt', [`${site.url}/page/rb0`, `${site.url}/page/rb1`, `${site.url}/page/rb2`, `${site.url}/page/rb3`]);
    const shorter = await list('resume-c.txt', [`${site.url}/page/ra0`, `${site.url}/page/ra1`]);
    const out = join(dir, 'resume-other.jsonl');
    expect((await runCli(['scrape', first, '-o', out, '--quiet'])).code).toBe(0);
    const before = await readFile(out, 'utf8');
    for (const input of [other, shorter]) {
      const r = await runCli(['scrape', input, '-o', out, '--resume', '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: RESUME_MISMATCH: .*resume-other\.jsonl holds .*: it was written for another input\n$/);
      expect(await readFile(out, 'utf8')).toBe(before);
    }
    expect(site.log.some((e) => e.path === '/page/rb3')).toBe(false);
  });

  it('refuses to append CSV rows whose columns are not the resumed file header', async () => {
    const input = await list('resume-columns.txt', [`${site.url}/page/rc0`, `${site.url}/page/rc1`]);
    const out = join(dir, 'resume-columns.csv');
    await writeFile(out, (await runCli(['scrape', input, '--format', 'csv', '--quiet', '--select', 'h=h1'])).stdout.split('\n').slice(0, 2).join('\n') + '\n');
    const before = await readFile(out, 'utf8');
    const r = await runCli(['scrape', input, '-o', out, '--format', 'csv', '--resume', '--quiet']); // --select forgotten
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: RESUME_MISMATCH: the file's CSV columns .* are not this run's/);
    expect(await readFile(out, 'utf8')).toBe(before);
  });

  it('refuses to write its output over its input file, with or without --resume, leaving the list intact', async () => {
    const input = await list('self.txt', [`${site.url}/page/self0`, `${site.url}/page/self1`]);
    const before = await readFile(input, 'utf8');
    for (const extra of [[], ['--resume']]) {
      const r = await runCli(['scrape', input, '-o', join(dir, '.', 'self.txt'), '--quiet', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is the input file: writing to it would destroy the URL list/);
      expect(await readFile(input, 'utf8')).toBe(before);
    }
  });

  it.each([
    ['the file itself', (f: string) => f],
    ['/dev/stdin', () => '/dev/stdin'],
    ['/dev/fd/0', () => '/dev/fd/0'],
    ['/proc/self/fd/0', () => '/proc/self/fd/0'],
    ['a hard link', (f: string) => (linkSync(f, `${f}.hard`), `${f}.hard`)],
    ['a symlink', (f: string) => (symlinkSync(f, `${f}.sym`), `${f}.sym`)],
  ])('refuses -o naming its stdin list through %s: exit 2, one line, the list byte-identical', async (name, output) => {
    const input = await list(`stdin-${name.replace(/\W/g, '-')}.txt`, Array.from({ length: 50 }, (_, i) => `${site.url}/page/stdin${i}`));
    const before = await readFile(input);
    const fd = openSync(input, 'r');
    try {
      const r = await runCliOn(['scrape', '-', '-o', output(input), '--quiet'], fd, 'pipe');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: -o .* is the input \(stdin is that file\): writing to it would destroy the URL list.*\n$/);
    } finally {
      closeSync(fd);
    }
    expect(await readFile(input)).toEqual(before);
    expect(site.log.some((e) => e.path.startsWith('/page/stdin'))).toBe(false);
  });

  it('refuses a stdout appended onto its input file (>> list), as cat does, leaving the list byte-identical', async () => {
    const input = await list('append-self.txt', [`${site.url}/page/append0`, `${site.url}/page/append1`]);
    const before = await readFile(input);
    const fd = openSync(input, 'a');
    try {
      const r = await runCliOn(['scrape', input, '--quiet'], 'pipe', fd);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: stdout is the input file: writing to it would destroy the URL list.*\n$/);
    } finally {
      closeSync(fd);
    }
    expect(await readFile(input)).toEqual(before);
  });

  it('refuses -o /dev/stdin when stdin is a pipe: its records would come back in as URLs', async () => {
    // A shell's pipe (Node's own 'pipe' is a socket, which /dev/stdin cannot open for writing anyway).
    const child = spawn('sh', ['-c', 'echo "$1" | "$0" "$2" scrape - -o /dev/stdin --quiet', process.execPath, `${site.url}/page/pipe0`, BIN], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^fanout: -o \/dev\/stdin is the input \(stdin is that pipe\).*\n$/);
    expect(site.log.some((e) => e.path === '/page/pipe0')).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self'))('refuses a --save folder that cannot be made with exit 2, before any request (it hung)', async () => {
    const input = await list('save-proc.txt', [`${site.url}/page/save-proc`]);
    const r = await runCli(['scrape', input, '--save', '/proc/fanout-nope', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: SAVE_FAILED: cannot create the --save folder \/proc\/fanout-nope: ENOENT.*\n$/);
    expect(site.log.some((e) => e.path === '/page/save-proc')).toBe(false);
  });

  it('refuses an output file it cannot create with exit 2 and one line, before any request', async () => {
    const input = await list('unwritable.txt', [`${site.url}/page/unwritable`]);
    for (const out of [join(dir, 'no-such-folder', 'out.jsonl'), dir]) {
      const r = await runCli(['scrape', input, '-o', out, '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: OUTPUT_UNWRITABLE: cannot write .*: (no such file or directory|illegal operation on a directory)\n$/);
    }
    expect(site.log.some((e) => e.path === '/page/unwritable')).toBe(false);
  });

  it('stops fetching as soon as the output cannot be written (a full disk), with the NO_SPACE code a full --save disk has', async () => {
    const input = await list('full.txt', Array.from({ length: 200 }, (_, i) => `${site.url}/page/full${i}?latency=5`));
    const r = await runCli(['scrape', input, '-o', '/dev/full', '--quiet', '-c', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('fanout: NO_SPACE: cannot write /dev/full: no space left on device\n');
    expect(site.log.filter((e) => e.path.startsWith('/page/full')).length).toBeLessThan(100);
  });

  it('stops at once, quietly, with exit 141 when the reader of stdout goes away (| head -1)', async () => {
    const input = await list('head.txt', Array.from({ length: 200 }, (_, i) => `${site.url}/page/head${i}?latency=5`));
    const { child, done } = startCli(['scrape', input, '-c', '2']);
    child.stdout!.once('data', () => child.stdout!.destroy());
    const r = await done;
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
    expect(site.log.filter((e) => e.path.startsWith('/page/head')).length).toBeLessThan(100);
  });

  it('prints a summary with counts by status class and error code', async () => {
    const input = await list('summary.txt', [`${site.url}/page/1`, `${site.url}/status/404`, 'nope']);
    const r = await runCli(['scrape', input, '-o', join(dir, 'summary.jsonl')]);
    expect(r.stderr).toMatch(/done: 3 urls, 1 ok, 2 failed/);
    expect(r.stderr).toMatch(/2xx 1, 4xx 1, none 1/);
    expect(r.stderr).toMatch(/HTTP_STATUS 1, INVALID_URL 1/);
    expect(r.stderr).toMatch(/p50 \d+ ms, p95 \d+ ms/);
  });
});
