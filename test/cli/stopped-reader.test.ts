/**
 * A reader of stdout that stops reading, then leaves with data unread (a pager quit, `| head` once it has enough):
 * copy -i's lines, scrape's records and copy --dry-run's plan, in every mode. While the reader is stopped fanout
 * must stall (its pipe full, no work done ahead into memory); when it leaves, fanout ends at once, 141 (0 for a dry
 * run), quietly, its --log whole and no temp left. The reader is a small Python script: it reads a little, then
 * waits until the pipe holds 32 KiB (FIONREAD; a pipe that takes no more can hold less than its 64 KiB), says so, and leaves when told.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { smallFiles } from '../../fixtures/tree.js';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { processTree } from '../../src/compare/proc-tree.js';
import { scratch, type Scratch } from '../jobs/copy/scratch.js';
import { tempNames } from '../jobs/copy/snapshot.js';
import { BIN, lineCount, writeList } from '../helpers/cli.js';
import { skipUnless } from '../helpers/needs.js';

const READER = `
import array, fcntl, os, sys, termios, time
os.set_blocking(0, True)
os.read(0, 4096)
marker = sys.argv[1]
buf = array.array('i', [0])
while True:
    fcntl.ioctl(0, termios.FIONREAD, buf, True)
    if buf[0] >= 32768:
        break
    time.sleep(0.002)
open(marker + '.full', 'w').close()
while not os.path.exists(marker):
    time.sleep(0.002)
`;

const FILES = 20_000;
const URLS = 3000;
let area: Scratch;
let src: string;
let site: SiteServer;
let list: string;
let n = 0;

beforeAll(async () => {
  area = scratch('fanout stopped reader ', '400m');
  src = `${area.dir}/src`;
  smallFiles(src, FILES);
  site = await startSiteServer({ hosts: 2, log: false });
  list = await writeList(area.dir, 'list.txt', Array.from({ length: URLS }, (_, i) => `${site.urls[i % 2]}/page/${i}`));
}, 120_000);
afterAll(async () => {
  await site.close();
  area.remove();
});

/** CPU ticks (user + system) of a process and its children so far. */
function cpuTicks(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Runs the CLI into the stopping reader. `progress()` counts the work done (records in --log, requests served);
 * once the pipe is full and the CLI has used no CPU for 10 looks in a row, it is read, then the reader leaves.
 */
async function intoStoppedReader(ctx: TestContext, args: string[], progress: () => number): Promise<{ code: number | null; stderr: string; doneWhileStopped: number }> {
  skipUnless(ctx, hasPython, 'needs python3 (the reader asks the pipe how full it is)');
  const marker = join(area.dir, `reader ${++n}`);
  // A real pipe, as a shell's `|` gives (spawn's 'pipe' is a socket pair, whose buffer fills otherwise).
  const fifo = `${marker}.pipe`;
  execFileSync('mkfifo', [fifo]);
  const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeEnd = openSync(fifo, 'w'); // a reader is there: no wait
  const reader = spawn('python3', ['-c', READER, marker], { stdio: [readEnd, 'ignore', 'inherit'] });
  const cli = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', writeEnd, 'pipe'] });
  closeSync(readEnd);
  closeSync(writeEnd); // the CLI holds the only writing end, the reader the only reading end
  let stderr = '';
  cli.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => (exited = true));
  try {
    const deadline = Date.now() + 60_000; // a safety net only
    while (!existsSync(`${marker}.full`)) {
      if (exited) throw new Error(`the CLI ended before filling its stdout: ${stderr}`);
      if (Date.now() > deadline) throw new Error('timed out waiting for the pipe to fill');
      await pause();
    }
    for (let still = 0, last = -1; still < 10; await pause()) {
      if (exited || Date.now() > deadline) break; // said below: the run did not stall
      const now = cpuTicks(cli.pid!);
      still = now === last ? still + 1 : 0;
      last = now;
    }
  } catch (err) {
    cli.kill('SIGKILL');
    reader.kill('SIGKILL');
    throw err;
  }
  const doneWhileStopped = progress();
  const stalled = !exited;
  writeFileSync(marker, '');
  const killer = setTimeout(() => cli.kill('SIGKILL'), 30_000); // a hang fails the test
  const code = await exit;
  clearTimeout(killer);
  expect(stalled, 'the run waited for its reader').toBe(true);
  return { code, stderr, doneWhileStopped };
}

const MODES = [[], ['--threads', '2'], ['--procs', '2']];
const hasPython = spawnSync('python3', ['-c', 'import fcntl, termios'], { stdio: 'ignore' }).status === 0;

describe('a reader of stdout that stops, then leaves', () => {
  for (const mode of MODES) {
    const name = mode.join(' ') || 'async';
    it(`[${name}] copy -i: stalls while the reader is stopped, then ends 141, quietly, its --log whole, no temp left`, async (ctx) => {
      const dst = `${area.dir}/dst ${++n}`;
      const log = `${area.dir}/log ${n}.jsonl`;
      const r = await intoStoppedReader(ctx, ['copy', src, dst, '-i', '--log', log, '--no-progress', ...mode], () => lineCount(log));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(141);
      expect(r.doneWhileStopped, 'entries done while the reader was stopped').toBeLessThan(FILES / 2);
      const text = readFileSync(log, 'utf8');
      expect(text === '' || text.endsWith('\n')).toBe(true);
      for (const l of text.split('\n').slice(0, -1)) JSON.parse(l);
      expect(tempNames(dst)).toEqual([]);
    }, 120_000);

    it(`[${name}] scrape to stdout: stalls while the reader is stopped, then ends 141, quietly`, async (ctx) => {
      const before = [...site.stats.values()].reduce((s, h) => s + h.requests, 0);
      const served = () => [...site.stats.values()].reduce((s, h) => s + h.requests, 0) - before;
      const r = await intoStoppedReader(ctx, ['scrape', list, '-c', '8', '--no-progress', ...mode], served);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(141);
      expect(r.doneWhileStopped, 'requests made while the reader was stopped').toBeLessThan(URLS / 2);
    }, 120_000);

    it(`[${name}] copy --dry-run's plan: stalls while the reader is stopped, then ends 0, quietly, nothing written`, async (ctx) => {
      const dst = `${area.dir}/dst ${++n}`;
      const r = await intoStoppedReader(ctx, ['copy', src, dst, '-n', '-q', ...mode], () => 0);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(existsSync(dst)).toBe(false);
    }, 120_000);
  }
});
