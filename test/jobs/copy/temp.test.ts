import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTempName, sweepTemps, tempPath } from '../../../src/jobs/copy/temp.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/fanout temp-`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const name = (p: string | Buffer) => String(p).slice(dir.length + 1);

describe('temp names', () => {
  it('recognises every name tempPath makes, long and short, and nothing of a looser shape', () => {
    expect(isTempName(name(tempPath(dir, 'photo.jpg')))).toBe(true);
    expect(isTempName(name(tempPath(dir, 'x'.repeat(250))))).toBe(true); // the name left out
    expect(isTempName(name(tempPath(dir, 'new\nline')))).toBe(true);
    for (const user of ['.fanout-tmp-mydata', '.fanout-tmp-notes.txt', '.fanout-tmp-', '.fanout-tmp-a.b.c', '.fanout-tmp-A.B.C.D-x', 'x.fanout-tmp-1.2.3.4-y']) {
      expect(isTempName(user), user).toBe(false);
    }
  });

  it('sweeps only what fanout could have left: a user folder or file without the shape stays, and so does a temp-shaped folder', () => {
    mkdirSync(`${dir}/.fanout-tmp-mydata`);
    writeFileSync(`${dir}/.fanout-tmp-mydata/a`, 'x');
    writeFileSync(`${dir}/.fanout-tmp-notes.txt`, 'notes');
    mkdirSync(`${dir}/.fanout-tmp-1a.1.abc.7-folder`); // a directory is never a temp
    writeFileSync(`${dir}/.fanout-tmp-1a.1.abc.7-folder/inside`, 'x');
    writeFileSync(`${dir}/.fanout-tmp-sock-12-0`, 'not a socket'); // a bound socket's name, but a file
    writeFileSync(`${dir}/kept.txt`, 'x');
    const temps = [name(tempPath(dir, 'a.txt')), name(tempPath(dir, 'link')), '.fanout-tmp-dead.0.0.1'];
    writeFileSync(`${dir}/${temps[0]}`, 'half');
    symlinkSync('/etc/passwd', `${dir}/${temps[1]}`);
    writeFileSync(`${dir}/${temps[2]}`, '');
    if (spawnSync('mkfifo', [`${dir}/${name(tempPath(dir, 'fifo'))}`]).status === 0) temps.push('fifo');
    expect(sweepTemps(dir)).toBe(temps.length);
    expect(readdirSync(dir).sort()).toEqual(
      ['.fanout-tmp-1a.1.abc.7-folder', '.fanout-tmp-mydata', '.fanout-tmp-notes.txt', '.fanout-tmp-sock-12-0', 'kept.txt'].sort(),
    );
    expect(existsSync(`${dir}/.fanout-tmp-mydata/a`)).toBe(true);
    expect(existsSync(`${dir}/.fanout-tmp-1a.1.abc.7-folder/inside`)).toBe(true);
    expect(existsSync('/etc/passwd')).toBe(true);
  });

  it('keeps the temp-shaped names it is told SRC has', () => {
    writeFileSync(`${dir}/.fanout-tmp-1.2.3.4-mine`, 'a file of the user in SRC too');
    writeFileSync(`${dir}/.fanout-tmp-1.2.3.5-left`, 'half');
    expect(sweepTemps(dir, (n) => n === '.fanout-tmp-1.2.3.4-mine')).toBe(1);
    expect(readdirSync(dir)).toEqual(['.fanout-tmp-1.2.3.4-mine']);
  });
});
