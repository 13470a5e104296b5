/**
 * `fanout copy --log FILE` when a log write is cut short, in every mode: killed (SIGKILL) in the middle of the write
 * itself (fixtures/tear-write.ts), the log is whole records up to at most one torn last line and a re-run finishes
 * the mirror with a whole log; on a disk that fills in the middle of a log write (a small tmpfs, root only), the run
 * stops with one LOG_FAILED (or, DST there too, NO_SPACE) line and exit 2, the log holds whole records only, and no
 * temp is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFiles } from '../../../fixtures/tree.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { preloading, runCli } from '../../helpers/cli.js';
import { skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from './scratch.js';
import { expectSameTree, tempNames } from './snapshot.js';

let dir: string;
let src: string;
let n = 0;
const MODES = [[], ['--threads', '2'], ['--procs', '2']];
const modeName = (mode: string[]) => mode.join(' ') || 'async';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout torn log '));
  src = join(dir, 'src');
  smallFiles(src, 300);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The log's whole lines as records; what follows the last newline can only be the start of one. */
function wholeRecords(text: string): CopyRecord[] {
  const cut = text.lastIndexOf('\n') + 1;
  const tail = text.slice(cut);
  if (tail !== '') expect(tail, 'the torn tail is the start of a record').toMatch(/^\{/);
  return text.slice(0, cut).split('\n').slice(0, -1).map((l) => JSON.parse(l) as CopyRecord);
}

describe('fanout copy --log killed in the middle of a log write, then run again', () => {
  for (const mode of MODES) {
    it(`[${modeName(mode)}] the log is whole records up to at most one torn last line, each file it names is whole, and the re-run finishes with a whole log`, async () => {
      const base = join(dir, `case ${++n}`);
      mkdirSync(base);
      const dst = join(base, 'dst');
      const log = join(base, 'log.jsonl');
      const report = join(base, 'torn');
      const r = await runCli(['copy', src, dst, '--log', log, '-q', ...mode], { env: preloading('tear-write', { TEAR_WRITE_PATH: log, TEAR_WRITE_AT: '2', TEAR_WRITE_FILE: report }) });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(readFileSync(report, 'utf8')).toBe(log);
      const records = wholeRecords(readFileSync(log, 'utf8'));
      const paths = records.map((x) => x.path);
      expect(new Set(paths).size, 'no record twice').toBe(paths.length);
      for (const x of records) if (x.type === 'file') expect(readFileSync(join(dst, x.path)).equals(readFileSync(join(src, x.path))), `${x.path} is whole`).toBe(true);

      const again = await runCli(['copy', src, dst, '--log', log, '-q', ...mode]);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(wholeRecords(readFileSync(log, 'utf8')).every((x) => x.ok)).toBe(true);
      expect(readFileSync(log, 'utf8').endsWith('\n')).toBe(true);
      expect(tempNames(dst)).toEqual([]);
      expectSameTree(src, dst, { atime: false });
    }, 30_000);
  }
});

describe('fanout copy --log on a disk that fills in the middle of a log write', () => {
  const canMount = canMountTmpfs();
  for (const mode of MODES) {
    it(`[${modeName(mode)}] (the log alone there) stops with one LOG_FAILED line and exit 2, the log holding whole records only, no temp left`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a full disk)');
      const base = join(dir, `full ${++n}`);
      const tree = join(base, 'src');
      // Long names: the 40 records of this one-folder tree take about 9 KB of log, written at the end of their batch.
      mkdirSync(tree, { recursive: true });
      for (let i = 0; i < 40; i++) writeFileSync(join(tree, `f${String(i).padStart(3, '0')}-${'x'.repeat(120)}.txt`), `${i}\n`);
      const disk = join(base, 'small disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
      try {
        // Fill the disk, then free one page: the log's write fits in part, then the disk is full.
        const filler = join(disk, 'filler');
        try {
          writeFileSync(filler, Buffer.alloc(1 << 20));
        } catch {
          // full: what this test wants
        }
        truncateSync(filler, statSync(filler).size - 4096);
        const log = join(disk, 'log.jsonl');
        const dst = join(base, 'dst');
        const r = await runCli(['copy', tree, dst, '--log', log, '-q', ...mode]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/^fanout: LOG_FAILED: cannot write the log .*log\.jsonl: no space left on device\n$/);
        const text = readFileSync(log, 'utf8');
        expect(text === '' || text.endsWith('\n'), 'the log ends with a whole record').toBe(true);
        for (const x of wholeRecords(text)) expect(readFileSync(join(dst, x.path), 'utf8')).toBe(readFileSync(join(tree, x.path), 'utf8'));
        expect(existsSync(dst) ? tempNames(dst) : []).toEqual([]);
      } finally {
        execFileSync('umount', ['-l', disk]);
      }
    }, 30_000);
  }

  for (const mode of MODES) {
    it(`[${modeName(mode)}] with DST on that disk too: stops with one NO_SPACE line and exit 2, whole records, every logged file whole, temps removed`, async (ctx) => {
      skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a full disk)');
      const base = join(dir, `full ${++n}`);
      const tree = join(base, 'src');
      mkdirSync(tree, { recursive: true });
      for (let i = 0; i < 60; i++) writeFileSync(join(tree, `f${i}.bin`), Buffer.alloc(20_000, i)); // 1.2 MB on a 512 KiB disk
      const disk = join(base, 'small disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', disk]);
      try {
        const dst = join(disk, 'dst');
        const log = join(disk, 'log.jsonl');
        const r = await runCli(['copy', tree, dst, '--log', log, '-q', ...mode]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/^fanout: (NO_SPACE: no space left on the destination .*; stopped after \d+ entries, temp files removed|LOG_FAILED: cannot write the log .*: no space left on device)\n$/i);
        const text = readFileSync(log, 'utf8');
        expect(text === '' || text.endsWith('\n'), 'the log ends with a whole record').toBe(true);
        for (const x of wholeRecords(text)) if (x.ok && x.type === 'file') expect(readFileSync(join(dst, x.path)).equals(readFileSync(join(tree, x.path))), x.path).toBe(true);
        expect(tempNames(dst)).toEqual([]);
      } finally {
        execFileSync('umount', ['-l', disk]);
      }
    }, 30_000);
  }
});

