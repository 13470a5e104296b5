import { closeSync, fstatSync, lstatSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { statsOf } from '../../../src/jobs/copy/fd-stats.js';
import { sameTime } from '../../../src/jobs/copy/metadata.js';
import { statType } from '../../../src/jobs/copy/walk.js';

const dir = mkdtempSync(`${tmpdir()}/fanout-fd-stats-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks'] as const;

describe('a Stats built from one bigint stat (the fstat of a file opened at once)', () => {
  it("has Node's own numbers, and times that its change check takes for the same", () => {
    const file = `${dir}/f`;
    writeFileSync(file, 'x'.repeat(5000));
    // A time with every nanosecond digit, and one before 1970 (negative seconds, positive nanoseconds).
    for (const when of [['@1714912496.987654321', '@1714912496.999999999'], ['@-157766399.5', '@-1.000000123']]) {
      execFileSync('touch', ['-a', '-d', when[0], file]);
      execFileSync('touch', ['-m', '-d', when[1], file]);
      const fd = openSync(file, 'r');
      try {
        const mine = statsOf(fstatSync(fd, { bigint: true }));
        const node = fstatSync(fd);
        for (const k of FIELDS) expect(mine[k], k).toBe(node[k]);
        for (const k of ['atimeMs', 'mtimeMs', 'ctimeMs'] as const) expect(sameTime(mine[k], node[k]), `${k} ${mine[k]} ${node[k]}`).toBe(true);
        expect(mine.mtime.getTime()).toBe(node.mtime.getTime());
      } finally {
        closeSync(fd);
      }
    }
  });

  it('answers the type questions as Node does, for every type the copy meets', () => {
    writeFileSync(`${dir}/file`, '');
    execFileSync('mkfifo', [`${dir}/fifo`]);
    symlinkSync('file', `${dir}/link`);
    for (const name of ['file', 'fifo', 'link', '.', '/dev/null']) {
      const path = name.startsWith('/') ? name : `${dir}/${name}`;
      expect(statType(statsOf(lstatSync(path, { bigint: true }))), name).toBe(statType(lstatSync(path)));
    }
  });
});
