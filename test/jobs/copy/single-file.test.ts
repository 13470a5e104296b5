/** A single file as SRC: into a folder, or under a new name, with its metadata, never partial under its final name. */
import { spawn } from 'node:child_process';
import { type Stats, chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { isTempName } from '../../../src/jobs/copy/temp.js';
import { largeFiles } from '../../../fixtures/tree.js';
import { scratch, type Scratch } from './scratch.js';
import { preloading } from '../../helpers/cli.js';

const BIN = process.env.FANOUT_BIN ?? fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));
let area: Scratch;
let n = 0;

beforeAll(() => {
  area = scratch('fanout single file ', '400m');
});
afterAll(() => area.remove());

function aFile(): string {
  const dir = `${area.dir}/case ${++n}`;
  mkdirSync(dir);
  const f = `${dir}/a.iso`;
  writeFileSync(f, 'an image'.repeat(1000));
  chmodSync(f, 0o640);
  utimesSync(f, 1_600_000_000.25, 1_500_000_000.5);
  return f;
}

/** `b` holds `a`'s data, mode and times; `s` is `a`'s stat from before the copy read it (a read moves an atime). */
function expectSameFile(a: string, s: Stats, b: string): void {
  const d = statSync(b);
  expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  expect(d.mode.toString(8)).toBe(s.mode.toString(8));
  // Times to the microsecond (Node 20's libuv sets no finer), never later than the source's.
  for (const [x, y] of [[d.mtimeMs, s.mtimeMs], [d.atimeMs, s.atimeMs]]) {
    expect(x).toBeLessThanOrEqual(y);
    expect(y - x).toBeLessThan(0.001);
  }
}

describe('copy of a single file', () => {
  it('puts it into an existing folder under its own name, and a re-run skips it', async () => {
    const f = aFile();
    const before = statSync(f);
    const into = `${area.dir}/backup ${n}`;
    mkdirSync(into);
    const folderMtime = statSync(into).mtimeMs;
    const records: CopyRecord[] = [];
    const s = await copy({ src: f, dst: into, onRecord: (r) => records.push(r) });
    expect(records).toEqual([{ path: 'a.iso', type: 'file', action: 'copy', ok: true, bytes: 8000, changes: ['new'] }]);
    expect(s.copied).toBe(1);
    expectSameFile(f, before, `${into}/a.iso`);
    expect(readdirSync(into)).toEqual(['a.iso']);
    expect(statSync(into).mtimeMs).toBeGreaterThanOrEqual(folderMtime); // the folder is not given SRC's times
    expect((await copy({ src: f, dst: into })).skipped).toBe(1);
  });

  it('copies it under a new name, and into a missing folder named with a trailing slash', async () => {
    const f = aFile();
    const before = statSync(f);
    const renamed = `${area.dir}/backup ${n}/b.iso`;
    mkdirSync(`${area.dir}/backup ${n}`);
    await copy({ src: f, dst: renamed });
    expectSameFile(f, before, renamed);
    const fresh = `${area.dir}/new ${n}/deep/`;
    const again = statSync(f);
    await copy({ src: f, dst: fresh, mode: 'threads', workers: 2 });
    expectSameFile(f, again, `${fresh}a.iso`);
    expect(lstatSync(`${area.dir}/new ${n}/deep`).isDirectory()).toBe(true);
  });

  it('writes nothing in a dry run, and refuses the file itself as DST or --delete', async () => {
    const f = aFile();
    const dst = `${area.dir}/dry ${n}/`;
    const s = await copy({ src: f, dst, dryRun: true });
    expect(s.copied).toBe(1);
    expect(existsSync(dst)).toBe(false);
    await expect(copy({ src: f, dst: f })).rejects.toMatchObject({ code: 'REFUSED_SAME' });
    await expect(copy({ src: f, dst: `${area.dir}/del ${n}/`, delete: true })).rejects.toMatchObject({ code: 'SRC_NOT_A_DIRECTORY' });
  });

  it('never leaves a partial file under the final name when killed mid-copy, and the old copy stays whole', async () => {
    const dir = `${area.dir}/big ${++n}`;
    largeFiles(dir, 1, 96 << 20);
    const src = `${dir}/large-0.bin`;
    const into = `${area.dir}/big-dst ${n}`;
    mkdirSync(into);
    writeFileSync(`${into}/large-0.bin`, 'the old backup');
    // The copy is held as its temp opens (fixtures/temp-hold.ts), then killed: no race with a fast disk.
    const hold = `${area.dir}/hold ${n}`;
    const env = { ...process.env, ...preloading('temp-hold', { TEMP_HOLD_FILE: hold, TEMP_HOLD_NAME: 'large-0.bin' }) };
    let killed = false;
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'copy', src, `${into}/`, '-q'], { stdio: 'ignore', env });
      child.on('close', () => resolve());
      const poll = () => {
        if (existsSync(`${hold}.held`)) {
          expect(readdirSync(into).filter(isTempName)).toHaveLength(1);
          child.kill('SIGKILL');
          killed = true;
        } else if (child.exitCode === null) setTimeout(poll, 5);
      };
      poll();
    });
    expect(killed, 'killed while its temp was open').toBe(true);
    expect(readFileSync(`${into}/large-0.bin`, 'utf8')).toBe('the old backup');
    const again = await copy({ src, dst: into });
    expect(again.failed).toBe(0);
    expect(readFileSync(`${into}/large-0.bin`).equals(readFileSync(src))).toBe(true);
    expect(readdirSync(into).filter(isTempName), 'the killed copy\'s temp is swept by the next copy of the file').toEqual([]);
  }, 120_000);
});
