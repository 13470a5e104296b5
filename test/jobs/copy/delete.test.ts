/** copy({ delete: true }): what SRC lacks leaves DST after the copy, and nothing else does. */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, type CopyOptions } from '../../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { scratch, type Scratch } from './scratch.js';
import { expectSameTree } from './snapshot.js';

let area: Scratch;
let n = 0;

beforeAll(() => {
  area = scratch('fanout delete test ', '64m');
});
afterAll(() => area.remove());

/** A fresh SRC with a few entries, and a DST copied from it that then got extra entries of every kind. */
async function mirrorWithExtras(): Promise<{ src: string; dst: string; outside: string }> {
  const base = `${area.dir}/case ${++n}`;
  const src = `${base}/src`;
  const dst = `${base}/dst`;
  const outside = `${base}/outside`;
  mkdirSync(`${src}/a/b`, { recursive: true });
  writeFileSync(`${src}/a/b/kept.txt`, 'kept');
  writeFileSync(`${src}/top.txt`, 'top');
  mkdirSync(outside);
  writeFileSync(`${outside}/precious`, 'not yours');
  await copy({ src, dst });
  writeFileSync(`${dst}/extra.txt`, 'extra');
  writeFileSync(`${dst}/a/b/notes.log`, 'log');
  mkdirSync(`${dst}/gone/deep`, { recursive: true });
  writeFileSync(`${dst}/gone/deep/x`, 'x');
  symlinkSync(outside, `${dst}/a/to-outside`); // a link to a directory outside DST
  symlinkSync(`${outside}/precious`, `${dst}/gone/to-file`);
  return { src, dst, outside };
}

async function run(o: CopyOptions): Promise<{ records: CopyRecord[]; summary: Awaited<ReturnType<typeof copy>> }> {
  const records: CopyRecord[] = [];
  const summary = await copy({ ...o, onRecord: (r) => records.push(r) });
  return { records, summary };
}

const deletions = (records: CopyRecord[]) => records.filter((r) => r.action === 'delete').map((r) => r.path);

describe('copy --delete', () => {
  for (const mode of ['async', 'threads', 'procs'] as const) {
    it(`makes DST exactly SRC, removing links as links and leaving their targets alone (${mode})`, async () => {
      const { src, dst, outside } = await mirrorWithExtras();
      writeFileSync(`${src}/new.txt`, 'new');
      const { records, summary } = await run({ src, dst, mode, workers: 2, delete: true });
      expect(summary.failed).toBe(0);
      expect(deletions(records)).toEqual(['a/b/notes.log', 'a/to-outside', 'extra.txt', 'gone/deep/x', 'gone/deep', 'gone/to-file', 'gone']);
      expect(summary.deleted).toBe(7);
      expectSameTree(src, dst, { atime: false }); // the first copy's read moved SRC's atimes (relatime)
      expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
    });
  }

  it('keeps excluded entries in DST, and removes them too with deleteExcluded', async () => {
    const { src, dst } = await mirrorWithExtras();
    writeFileSync(`${src}/skip.log`, 'in src, excluded');
    writeFileSync(`${dst}/skip.log`, 'in dst');
    const kept = await run({ src, dst, delete: true, exclude: ['*.log', 'gone/'] });
    expect(deletions(kept.records)).toEqual(['a/to-outside', 'extra.txt']);
    expect(readFileSync(`${dst}/a/b/notes.log`, 'utf8')).toBe('log');
    expect(readFileSync(`${dst}/skip.log`, 'utf8')).toBe('in dst');
    expect(existsSync(`${dst}/gone/deep/x`)).toBe(true);
    const all = await run({ src, dst, delete: true, deleteExcluded: true, exclude: ['*.log', 'gone/'] });
    expect(deletions(all.records)).toEqual(['a/b/notes.log', 'gone/deep/x', 'gone/deep', 'gone/to-file', 'gone', 'skip.log']);
    expect(existsSync(`${dst}/skip.log`)).toBe(false);
  });

  it('lists in a dry run what it would delete, and deletes nothing', async () => {
    const { src, dst } = await mirrorWithExtras();
    const { records, summary } = await run({ src, dst, delete: true, dryRun: true });
    expect(deletions(records)).toEqual(['a/b/notes.log', 'a/to-outside', 'extra.txt', 'gone/deep/x', 'gone/deep', 'gone/to-file', 'gone']);
    expect(summary.deleted).toBe(7);
    expect(existsSync(`${dst}/gone/deep/x`)).toBe(true);
    expect(lstatSync(`${dst}/a/to-outside`).isSymbolicLink()).toBe(true);
  });

  it('deletes nothing when an entry failed, and says why', async () => {
    const { src, dst } = await mirrorWithExtras();
    // SRC's file where DST holds a non-empty directory: TYPE_CONFLICT, whoever runs the test.
    writeFileSync(`${src}/clash`, 'file');
    mkdirSync(`${dst}/clash`);
    writeFileSync(`${dst}/clash/inside`, 'x');
    const { records, summary } = await run({ src, dst, delete: true });
    expect(summary.failed).toBe(1);
    expect(records.find((r) => !r.ok)?.error?.code).toBe('TYPE_CONFLICT');
    expect(deletions(records)).toEqual([]);
    expect(summary.deleteSkipped).toBe('1 entry failed');
    expect(existsSync(`${dst}/extra.txt`)).toBe(true);
    expect(existsSync(`${dst}/gone/deep/x`)).toBe(true);
  });

  it('never follows a DST directory that is a symlink where SRC has a directory', async () => {
    const { src, dst, outside } = await mirrorWithExtras();
    // SRC has a directory `a/link-dir`; DST has a symlink there to a folder outside, holding a file SRC lacks.
    mkdirSync(`${src}/a/link-dir`);
    symlinkSync(outside, `${dst}/a/link-dir`);
    const { summary } = await run({ src, dst, delete: true });
    expect(summary.failed).toBe(0);
    expect(lstatSync(`${dst}/a/link-dir`).isDirectory()).toBe(true); // the copy replaced the link by a directory
    expect(readFileSync(`${outside}/precious`, 'utf8')).toBe('not yours');
  });

  it('refuses an empty SRC when DST holds something, unless forced', async () => {
    const { dst } = await mirrorWithExtras();
    const empty = `${area.dir}/empty ${++n}`;
    mkdirSync(empty);
    await expect(copy({ src: empty, dst, delete: true })).rejects.toMatchObject({ code: 'REFUSED_DELETE_EMPTY_SRC' });
    expect(existsSync(`${dst}/top.txt`)).toBe(true);
    const forced = await copy({ src: empty, dst, delete: true, force: true });
    expect(forced.deleted).toBeGreaterThan(0);
    expect(existsSync(`${dst}/top.txt`)).toBe(false);
  });
});
