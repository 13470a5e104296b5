/**
 * --files-from, --exclude-from and --include-from given hostile or clumsy input: paths through a symlink or out of
 * SRC, paths that are not there, a list of a million lines, pipes that never get a writer, a device, a folder.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { scratch, type Scratch } from './scratch.js';

let area: Scratch;
let n = 0;
beforeAll(() => {
  area = scratch('fanout list files ', '64m');
});
afterAll(() => area.remove());

/** SRC with `real/f` and `real/g`, `link` -> a folder outside holding `secret`. */
function tree(): { base: string; src: string; outside: string } {
  const base = `${area.dir}/case ${++n}`;
  const src = `${base}/src`;
  const outside = `${base}/outside`;
  mkdirSync(`${src}/real`, { recursive: true });
  mkdirSync(outside);
  writeFileSync(`${src}/real/f`, 'f');
  writeFileSync(`${src}/real/g`, 'g');
  writeFileSync(`${outside}/secret`, 'secret');
  symlinkSync('../outside', `${src}/link`);
  return { base, src, outside };
}

function list(base: string, lines: string[]): string {
  writeFileSync(`${base}/list`, `${lines.join('\n')}\n`);
  return `${base}/list`;
}

describe('copy --files-from with paths it cannot take as they are', () => {
  it('copies a symlink on a listed path as the link, never what lies beyond it, and says what it could not copy', async () => {
    const { base, src } = tree();
    const dst = `${base}/dst`;
    const records: CopyRecord[] = [];
    const s = await copy({ src, dst, filesFrom: list(base, ['link/secret', 'real/f', 'not/there', 'real/g']), exclude: ['g'], onRecord: (r) => records.push(r) });
    expect(readlinkSync(`${dst}/link`)).toBe('../outside');
    expect(lstatSync(`${dst}/link`).isSymbolicLink()).toBe(true);
    expect(readFileSync(`${dst}/real/f`, 'utf8')).toBe('f');
    expect(existsSync(`${dst}/real/g`)).toBe(false); // listed and excluded: left out quietly
    const failed = records.filter((r) => !r.ok);
    expect(failed.map((r) => [r.path, r.error?.code])).toEqual([['link/secret', 'LISTED_MISSING'], ['not/there', 'LISTED_MISSING']]);
    expect(s.failed).toBe(2);
  });

  it('resolves `.` and `..` inside a line, and refuses one that climbs out of SRC before writing anything', async () => {
    const { base, src } = tree();
    const dst = `${base}/dst`;
    await copy({ src, dst, filesFrom: list(base, ['./link/../real/./f', '/real//g/']) });
    expect(readdirSync(`${dst}/real`).sort()).toEqual(['f', 'g']);
    const other = `${base}/dst2`;
    await expect(copy({ src, dst: other, filesFrom: list(base, ['real/f', 'real/../../outside/secret']) })).rejects.toMatchObject({
      code: 'FILES_FROM_OUTSIDE_SRC',
      message: expect.stringContaining('line 2'),
    });
    expect(existsSync(other)).toBe(false);
    const r = await runCli(['copy', src, other, '--files-from', `${base}/list`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('takes a list of a million lines with duplicates', async () => {
    const { base, src } = tree();
    const lines = Array.from({ length: 1_000_000 }, (_, i) => (i % 2 ? 'real/f' : `real/${i % 3 ? 'g' : 'f'}`));
    const s = await copy({ src, dst: `${base}/dst`, filesFrom: list(base, lines) });
    expect(s.failed).toBe(0);
    expect(s.copied).toBe(4); // DST, real, f, g
  }, 60_000);
});

describe('list and pattern files that are not plain files', () => {
  it('reads a pipe to its end, and refuses a device or a folder with one line', async () => {
    const { base, src } = tree();
    execFileSync('mkfifo', [`${base}/pipe`]);
    const run = startCli(['copy', src, `${base}/dst`, '--exclude-from', `${base}/pipe`, '-q']);
    let exited = false;
    void run.done.then(() => (exited = true));
    // The writing end is opened once the CLI holds the reading end, and non-blocking: a blocking open with no
    // reader would hold this test's thread (and its safety nets) for ever if the CLI never opened the pipe.
    for (const deadline = Date.now() + 30_000; !holdsOpen(run.child.pid, `${base}/pipe`) && !exited && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    if (exited) expect.fail(`the CLI ended before it opened the pipe: ${(await run.done).stderr}`);
    const w = openSync(`${base}/pipe`, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(w, 'real\n');
    closeSync(w);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(`${base}/dst`)).toEqual(['link']);
    for (const [flag, file] of [['--exclude-from', '/dev/zero'], ['--files-from', base]]) {
      const bad = await runCli(['copy', src, `${base}/never`, flag, file]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(`${base}/never`)).toBe(false);
    }
  });

  it.each(['--files-from', '--include-from'])('stops on SIGINT while %s is a pipe that no one writes to, exit 130', async (flag) => {
    const { base, src } = tree();
    const pipe = `${base}/pipe`;
    execFileSync('mkfifo', [pipe]);
    const { child, done } = startCli(['copy', src, `${base}/dst`, flag, pipe, '-q']);
    let exited = false;
    void done.then(() => (exited = true));
    // Waiting for the pipe: it holds it open (non-blocking), or a thread of it sleeps in open(2) for a writer.
    const waiting = () => {
      const dir = `/proc/${child.pid}`;
      try {
        if (holdsOpen(child.pid, pipe)) return true;
        return readdirSync(`${dir}/task`).some((t) => readFileSync(`${dir}/task/${t}/wchan`, 'utf8').includes('wait_for_partner'));
      } catch {
        return false;
      }
    };
    for (const deadline = Date.now() + 30_000; !waiting() && !exited && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000); // a safety net only: a hang fails the test
    const r = await done;
    clearTimeout(timer);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(130);
    expect(existsSync(`${base}/dst`)).toBe(false);
  }, 90_000);
});

/** Whether process `pid` has `file` open. */
function holdsOpen(pid: number | undefined, file: string): boolean {
  const dir = `/proc/${pid}/fd`;
  try {
    return readdirSync(dir).some((fd) => readlinkSafe(`${dir}/${fd}`) === file);
  } catch {
    return false;
  }
}

function readlinkSafe(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}
