/** `fanout copy --delete` end to end (needs `npx tsc -p .` first: bin/fanout.js loads dist/). */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTempName } from '../../../src/jobs/copy/temp.js';
import { largeFiles } from '../../../fixtures/tree.js';
import { scratch, type Scratch } from './scratch.js';
import { expectSameTree, tempNames } from './snapshot.js';

const BIN = process.env.FANOUT_BIN ?? fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));
let area: Scratch;
let n = 0;

beforeAll(() => {
  area = scratch('fanout delete cli ', '600m');
});
afterAll(() => area.remove(), 120_000);

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function fanout(args: string[], onStart?: (kill: () => void) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(() => child.kill('SIGKILL'));
  });
}

/** A temp file anywhere under root: a file is being written. */
function writing(root: string): boolean {
  const visit = (dir: string): boolean => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    return entries.some((e) => (e.isDirectory() ? visit(`${dir}/${e.name}`) : isTempName(e.name)));
  };
  return visit(root);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function dirs(): { src: string; dst: string } {
  const base = `${area.dir}/case ${++n}`;
  mkdirSync(base, { recursive: true });
  return { src: `${base}/src`, dst: `${base}/dst` };
}

describe('fanout copy --delete', () => {
  for (const pool of [[], ['--threads', '2']]) {
    it(`keeps everything DST had when killed mid-copy, and the re-run makes DST exactly SRC (${pool.join(' ') || 'async'})`, async () => {
      const { src, dst } = dirs();
      for (let d = 0; d < 3; d++) largeFiles(`${src}/d${d}`, 2, 24 << 20);
      mkdirSync(`${dst}/old`, { recursive: true });
      writeFileSync(`${dst}/old/only-in-dst`, 'keep me until SRC is all there');
      writeFileSync(`${dst}/zz-last`, 'z');
      let killed = false;
      const first = await fanout(['copy', src, dst, '--delete', '-q', ...pool], (kill) => {
        void (async () => {
          // SIGKILL as soon as a file is being written: the copy is under way, its deletions not begun.
          for (let done = false; !done; await turn()) {
            if (writing(dst)) {
              kill();
              killed = true;
              done = true;
            }
            if (existsSync(`${dst}/d2/large-1.bin`)) done = true; // finished before we saw a temp: no kill
          }
        })();
      });
      expect(killed, 'the run was killed mid-copy').toBe(true);
      expect(first.signal).toBe('SIGKILL');
      expect(existsSync(`${dst}/old/only-in-dst`)).toBe(true);
      expect(existsSync(`${dst}/zz-last`)).toBe(true);
      const again = await fanout(['copy', src, dst, '--delete', '-q', ...pool]);
      expect(again.code, again.stderr).toBe(0);
      expectSameTree(src, dst, { atime: false });
      expect(tempNames(dst)).toEqual([]);
    }, 120_000);
  }

  it('refuses with one line and exit 2 when SRC is empty and DST is not; --force goes ahead', async () => {
    const { src, dst } = dirs();
    mkdirSync(src);
    mkdirSync(dst);
    writeFileSync(`${dst}/backup`, 'years of work');
    const r = await fanout(['copy', src, dst, '--delete']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('REFUSED_DELETE_EMPTY_SRC');
    expect(existsSync(`${dst}/backup`)).toBe(true);
    const forced = await fanout(['copy', src, dst, '--delete', '--force']);
    expect(forced.code).toBe(0);
    expect(existsSync(`${dst}/backup`)).toBe(false);
  });

  it('says in the summary that a run with a failure deleted nothing, and exits 1', async () => {
    const { src, dst } = dirs();
    mkdirSync(src);
    writeFileSync(`${src}/clash`, 'a file');
    mkdirSync(`${dst}/clash`, { recursive: true });
    writeFileSync(`${dst}/clash/inside`, 'x'); // a non-empty directory where SRC has a file: TYPE_CONFLICT
    writeFileSync(`${dst}/extra`, 'x');
    const r = await fanout(['copy', src, dst, '--delete']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--delete: nothing deleted, 1 entry failed');
    expect(existsSync(`${dst}/extra`)).toBe(true);
  });

  it('prints the deletions of a dry run as records, and deletes nothing', async () => {
    const { src, dst } = dirs();
    mkdirSync(src);
    writeFileSync(`${src}/a`, 'a');
    mkdirSync(dst);
    writeFileSync(`${dst}/b`, 'b');
    writeFileSync(`${dst}/c.log`, 'c');
    const r = await fanout(['copy', '-n', '--delete', '--exclude', '*.log', src, dst]);
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; action: string });
    expect(records.filter((x) => x.action === 'delete').map((x) => x.path)).toEqual(['b']);
    expect(r.stderr).toContain('1 would delete');
    expect(existsSync(`${dst}/b`)).toBe(true);
  });
});
