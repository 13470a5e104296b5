import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirCache } from '../../../src/jobs/copy/dir-ref.js';
import { isTempName, sweepTemps, tempPath, type SweepResult } from '../../../src/jobs/copy/temp.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/fanout temp-`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const name = (p: string | Buffer) => String(p).slice(dir.length + 1);
/** Sweeps `rel` of the folder `root`, anchored as a copy run does. */
function sweep(root: string, rel: string, keep?: (n: string) => boolean): SweepResult {
  const dirs = new DirCache(root);
  try {
    return sweepTemps(dirs, rel, keep);
  } finally {
    dirs.close();
  }
}

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
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const folder = `.fanout-tmp-${gone.toString(36)}.1.abc.7-folder`;
    mkdirSync(`${dir}/${folder}`); // a directory is never a temp
    writeFileSync(`${dir}/${folder}/inside`, 'x');
    writeFileSync(`${dir}/.fanout-tmp-sock-${gone}-0`, 'not a socket'); // a bound socket's name (its writer gone), but a file
    writeFileSync(`${dir}/kept.txt`, 'x');
    const temps = [name(tempPath(dir, 'a.txt')), name(tempPath(dir, 'link')), '.fanout-tmp-dead.0.0.1'];
    writeFileSync(`${dir}/${temps[0]}`, 'half');
    symlinkSync('/etc/passwd', `${dir}/${temps[1]}`);
    writeFileSync(`${dir}/${temps[2]}`, '');
    if (spawnSync('mkfifo', [`${dir}/${name(tempPath(dir, 'fifo'))}`]).status === 0) temps.push('fifo');
    expect(sweep(dir, '')).toEqual({ removed: temps.length, left: 0 });
    expect(readdirSync(dir).sort()).toEqual(
      [folder, '.fanout-tmp-mydata', '.fanout-tmp-notes.txt', `.fanout-tmp-sock-${gone}-0`, 'kept.txt'].sort(),
    );
    expect(existsSync(`${dir}/.fanout-tmp-mydata/a`)).toBe(true);
    expect(existsSync(`${dir}/${folder}/inside`)).toBe(true);
    expect(existsSync('/etc/passwd')).toBe(true);
  });

  it('keeps the temp-shaped names it is told SRC has', () => {
    writeFileSync(`${dir}/.fanout-tmp-1.2.3.4-mine`, 'a file of the user in SRC too');
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(`${dir}/.fanout-tmp-${dead.toString(36)}.2.3.5-left`, 'half'); // an exited process's: a leftover
    expect(sweep(dir, '', (n) => n === '.fanout-tmp-1.2.3.4-mine')).toEqual({ removed: 1, left: 1 });
    expect(readdirSync(dir)).toEqual(['.fanout-tmp-1.2.3.4-mine']);
  });

  it("leaves a live writer's temp and counts it as left, beside a dead writer's it removes", () => {
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      const inFlight = `.fanout-tmp-${live.pid!.toString(36)}.1.2.3-writing`;
      writeFileSync(`${dir}/${inFlight}`, 'half, still being written');
      writeFileSync(`${dir}/.fanout-tmp-${dead.toString(36)}.1.2.3-left`, 'half');
      expect(sweep(dir, '')).toEqual({ removed: 1, left: 1 });
      expect(readdirSync(dir)).toEqual([inFlight]);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('never sweeps a folder that a symlink swapped in for a destination directory points to', () => {
    const victim = `${dir}/victim`;
    mkdirSync(victim);
    const theirs = '.fanout-tmp-1a.1.abc.7-report.pdf'; // temp-shaped, but someone else's file
    writeFileSync(`${victim}/${theirs}`, 'keep me');
    mkdirSync(`${dir}/dst/sub`, { recursive: true });
    renameSync(`${dir}/dst/sub`, `${dir}/elsewhere`);
    symlinkSync(victim, `${dir}/dst/sub`);
    const swept = sweep(`${dir}/dst`, 'sub');
    expect(swept.removed).toBe(0);
    expect(swept.left).toBeNaN(); // not listed: what it holds is unknown
    expect(readdirSync(victim)).toEqual([theirs]);
  });

  it('sweeps the directory it holds open even after its path was swapped for a symlink', () => {
    mkdirSync(`${dir}/dst/sub`, { recursive: true });
    const left = name(tempPath(`${dir}/dst/sub`, 'a.txt')).slice('dst/sub/'.length);
    writeFileSync(`${dir}/dst/sub/${left}`, 'half');
    const victim = `${dir}/victim2`;
    mkdirSync(victim);
    writeFileSync(`${victim}/${left}`, 'keep me');
    const dirs = new DirCache(`${dir}/dst`);
    try {
      dirs.acquire('sub'); // the run holds it open
      renameSync(`${dir}/dst/sub`, `${dir}/moved`);
      symlinkSync(victim, `${dir}/dst/sub`);
      expect(sweepTemps(dirs, 'sub')).toEqual({ removed: 1, left: 0 });
    } finally {
      dirs.close();
    }
    expect(readdirSync(`${dir}/moved`)).toEqual([]);
    expect(readdirSync(victim)).toEqual([left]);
  });
});
