/**
 * The record of DST folders found free of temps (clean-dirs.ts): a re-run lists only the DST folders changed since,
 * and every temp a killed run left is still removed. Listings are counted by wrapping fs.readdirSync (the copy runs
 * in this process, async mode): a re-run lists each SRC folder once, and a DST folder only where it sweeps.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CleanDirs, keepsRecord, MAX_NOTED } from '../../../src/jobs/copy/clean-dirs.js';
import { copy } from '../../../src/jobs/copy/copy.js';
import { removeTree } from '../../../fixtures/tree.js';
import { runCli } from '../../helpers/cli.js';
import { needsRoot, skipUnless } from '../../helpers/needs.js';
import { deadTemp, withListingHook } from './listing-hook.js';
import { expectSameTree, tempNames } from './snapshot.js';

let base: string;
let src: string;
let cache: string;
let n = 0;
const savedCache = process.env.XDG_CACHE_HOME;
const FOLDERS = ['a', 'a/x', 'b', 'c'];

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout clean dirs `);
  src = join(base, 'src');
  for (const f of FOLDERS) {
    mkdirSync(join(src, f), { recursive: true });
    for (const name of ['one.txt', 'two.txt']) writeFileSync(join(src, f, name), `${f}/${name}\n`);
  }
  cache = join(base, 'cache');
  process.env.XDG_CACHE_HOME = cache;
});

afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  removeTree(base);
});

/** Copies SRC to `dst` in this process, counting the folders it lists. */
async function counted(dst: string, extra: Partial<Parameters<typeof copy>[0]> = {}) {
  let listings = 0;
  const summary = await withListingHook((path) => {
    if (!path.startsWith(cache)) listings++; // not the record's own folder
  }, () => copy({ src, dst, ...extra }));
  return { summary, listings };
}

const srcFolders = FOLDERS.length + 1; // and the root
const records = () => readdirSync(join(cache, 'fanout', 'clean-dirs'));
/** Sets a folder's mtime to the nanosecond (touch takes it exactly; Node's utimes would round it). */
function setMtimeNs(path: string, ns: bigint): void {
  const r = spawnSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, path]);
  expect(r.status, String(r.stderr)).toBe(0);
}

describe('the record of clean DST folders', () => {
  // Kept only on the local file systems clean-dirs.ts trusts: elsewhere (an overlay /tmp) there is nothing to test.
  beforeEach((ctx) => skipUnless(ctx, keepsRecord(tmpdir()), `${tmpdir()} on a file system the record is kept on (clean-dirs.ts LOCAL_FS)`));

  it('lets a no-op re-run list no DST folder, once a run found them all free of temps', async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst); // a fresh copy: every folder written in, none noted
    const second = await counted(dst);
    expect(second.listings).toBe(2 * srcFolders); // each folder of SRC walked, each of DST swept
    const third = await counted(dst);
    expect(third.summary.skipped).toBe(third.summary.entries);
    expect(third.listings).toBe(srcFolders + 1); // and DST's root, whose metadata every run sets
    expectSameTree(src, dst, { atime: false });
  });

  it("sweeps a folder a killed run left a temp in since, and only that one", async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    await counted(dst);
    const temp = deadTemp(join(dst, 'a/x'));
    const { listings, summary } = await counted(dst);
    expect(summary.failed).toBe(0);
    expect(listings).toBe(srcFolders + 2); // a/x and the root
    expect(existsSync(join(dst, 'a/x', temp))).toBe(false);
    expect(tempNames(dst)).toEqual([]);
    expectSameTree(src, dst, { atime: false });
  });

  it("keeps out of the record a folder holding a live writer's temp, so the temp goes once its writer is killed", async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    const writer = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const inFlight = `.fanout-tmp-${writer.pid!.toString(36)}.1.2.3-two.txt`;
    try {
      // A concurrent run's temp in flight, and b's times set afterwards by the run that wrote b.
      const mtime = statSync(join(dst, 'b'), { bigint: true }).mtimeNs;
      writeFileSync(join(dst, 'b', inFlight), 'half, being written');
      setMtimeNs(join(dst, 'b'), mtime);
      await counted(dst); // sweeps every folder, spares the live writer's temp
      expect(existsSync(join(dst, 'b', inFlight))).toBe(true);
    } finally {
      writer.kill('SIGKILL');
      await new Promise((done) => writer.once('exit', done));
    }
    // The kill changed nothing in b: only its absence from the record gets it swept.
    const { listings } = await counted(dst);
    expect(existsSync(join(dst, 'b', inFlight))).toBe(false);
    expect(listings).toBe(srcFolders + 2); // b and the root
    expect(tempNames(dst)).toEqual([]);
  });

  it("removes a concurrent run's temp made just after a run listed its folder and found it clean", async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst); // a fresh copy: the next run lists every folder
    let temp = '';
    // The sweep lists DST's folders by their descriptors, root first, then a (walk order): the first one holding files.
    await withListingHook((path, names) => {
      if (!temp && path.startsWith('/proc/') && names.includes('one.txt')) temp = deadTemp(join(dst, 'a'));
    }, () => copy({ src, dst }));
    expect(temp).not.toBe('');
    expect(existsSync(join(dst, 'a', temp))).toBe(true); // made after the listing: seen by the next run only
    await counted(dst);
    expect(tempNames(dst)).toEqual([]);
  });

  it('keeps out of the record a folder where a temp could not be removed, so the next run tries again', async (ctx) => {
    needsRoot(ctx, 'chattr +i, the one way a temp resists removal by root');
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    await counted(dst);
    const mtime = statSync(join(dst, 'b'), { bigint: true }).mtimeNs;
    const temp = join(dst, 'b', deadTemp(join(dst, 'b')));
    setMtimeNs(join(dst, 'b'), mtime); // b's times as an earlier run set them: nothing to write in b
    skipUnless(ctx, spawnSync('chattr', ['+i', temp]).status === 0, `chattr +i on ${tmpdir()}'s file system`);
    try {
      await counted(dst); // lists b (its stamp moved), cannot remove the temp
      expect(existsSync(temp)).toBe(true);
    } finally {
      spawnSync('chattr', ['-i', temp]); // moves the temp's ctime, not b's
    }
    const { listings } = await counted(dst);
    expect(existsSync(temp)).toBe(false);
    expect(listings).toBe(srcFolders + 2); // b and the root
  });

  it('lists every run a folder on a mount inside DST, and every folder of a DST on a file system it does not vouch for', async (ctx) => {
    needsRoot(ctx, 'mount');
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    const inside = join(dst, 'a', 'x');
    skipUnless(ctx, spawnSync('mount', ['-t', 'tmpfs', 'inside', inside]).status === 0, 'mount -t tmpfs');
    try {
      await counted(dst); // copies a/x's files into the mount
      await counted(dst);
      expect((await counted(dst)).listings).toBe(srcFolders + 2); // a/x and the root
    } finally {
      spawnSync('umount', [inside]);
    }
    const ram = join(base, `ramfs-${n++}`);
    mkdirSync(ram);
    skipUnless(ctx, spawnSync('mount', ['-t', 'ramfs', 'ram', ram]).status === 0, 'mount -t ramfs');
    try {
      const before = records().length;
      await counted(join(ram, 'dst'));
      await counted(join(ram, 'dst'));
      expect((await counted(join(ram, 'dst'))).listings).toBe(2 * srcFolders);
      expect(records().length).toBe(before);
    } finally {
      spawnSync('umount', [ram]);
    }
  });

  it('does not note a folder this run wrote in: the next run sweeps it, the one after does not', async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    await counted(dst);
    writeFileSync(join(src, 'c', 'three.txt'), 'new\n');
    try {
      expect((await counted(dst)).summary.copied).toBe(2); // the file, and c's times
      expect((await counted(dst)).listings).toBe(srcFolders + 2); // c and the root
      expect((await counted(dst)).listings).toBe(srcFolders + 1);
    } finally {
      rmSync(join(src, 'c', 'three.txt'));
    }
  });

  it('is not used with sweepRecord false, nor when the record cannot be read, nor for a DST made again at the same path', async () => {
    const dst = join(base, `dst-${n++}`);
    await counted(dst);
    await counted(dst);
    expect((await counted(dst, { sweepRecord: false })).listings).toBe(2 * srcFolders);
    for (const r of records()) writeFileSync(join(cache, 'fanout', 'clean-dirs', r), '{"v":1,"dirs":[');
    expect((await counted(dst)).listings).toBe(2 * srcFolders);
    expect((await counted(dst)).listings).toBe(srcFolders + 1);
    rmSync(dst, { recursive: true });
    spawnSync('cp', ['-a', src, dst]);
    deadTemp(join(dst, 'a'));
    const again = await counted(dst);
    expect(again.listings).toBe(2 * srcFolders);
    expect(tempNames(dst)).toEqual([]);
  });

  it("is kept by the CLI in the user's cache folder, and --no-sweep-record keeps none", async () => {
    const dst = join(base, `dst-${n++}`);
    const own = join(base, `cli-cache-${n}`);
    const env = { XDG_CACHE_HOME: own };
    for (let run = 0; run < 2; run++) expect((await runCli(['copy', '-q', src, dst], { env })).code).toBe(0);
    expect(readdirSync(join(own, 'fanout', 'clean-dirs'))).toHaveLength(1);
    const none = join(base, `cli-cache-none-${n}`);
    expect((await runCli(['copy', '-q', '--no-sweep-record', src, dst], { env: { XDG_CACHE_HOME: none } })).code).toBe(0);
    expect(existsSync(join(none, 'fanout', 'clean-dirs'))).toBe(false);
  });

  it("removes a killed run's temp that SRC had beside it once SRC no longer has it, though the folder is unchanged", async () => {
    // A chain of copies: B (SRC here) holds a temp its own killed run left, so C (DST) got it as a file; once a
    // re-run into B removes it there (and sets B's folder times back), the next B -> C run finds it a leftover.
    const chainSrc = join(base, `chain-src-${n}`);
    const dst = join(base, `dst-${n++}`);
    mkdirSync(join(chainSrc, 'a'), { recursive: true });
    writeFileSync(join(chainSrc, 'a', 'one.txt'), 'one\n');
    const temp = deadTemp(join(chainSrc, 'a'));
    const folderTimes = statSync(join(chainSrc, 'a'));
    await copy({ src: chainSrc, dst }); // the temp is a file of SRC: copied, never swept
    await copy({ src: chainSrc, dst }); // lists a, spares the temp (SRC has it)
    expect(existsSync(join(dst, 'a', temp))).toBe(true);
    rmSync(join(chainSrc, 'a', temp));
    utimesSync(join(chainSrc, 'a'), folderTimes.atime, folderTimes.mtime);
    const { summary } = await counted(dst, { src: chainSrc });
    expect(summary.failed).toBe(0);
    expect(existsSync(join(dst, 'a', temp))).toBe(false);
  });

  it("reads back what a run noted, and keeps at most 64 records", () => {
    const dsts = Array.from({ length: 70 }, (_, i) => {
      const d = join(base, `many-${i}`);
      mkdirSync(join(d, 'f'), { recursive: true });
      return d;
    });
    for (const d of dsts) {
      const rec = CleanDirs.open(d, statSync(d))!;
      rec.note('f', statSync(join(d, 'f')));
      rec.save();
    }
    expect(records().length).toBeLessThanOrEqual(64);
    const last = dsts[dsts.length - 1];
    expect(CleanDirs.open(last, statSync(last))!.unchanged('f', statSync(join(last, 'f')))).toBe(true);
    expect(CleanDirs.open(last, statSync(last))!.unchanged('f', statSync(last))).toBe(false); // another stamp
  });

  it(`notes at most ${MAX_NOTED.toLocaleString('en')} folders of one DST (bounded memory), the first ones a run met`, () => {
    const d = join(base, 'crowded');
    mkdirSync(join(d, 'f'), { recursive: true });
    const st = statSync(join(d, 'f'));
    const rec = CleanDirs.open(d, statSync(d))!;
    for (let i = 0; i <= MAX_NOTED; i++) rec.note(`f${i}`, st);
    rec.save();
    const again = CleanDirs.open(d, statSync(d))!;
    expect(again.unchanged('f0', st)).toBe(true);
    expect(again.unchanged(`f${MAX_NOTED - 1}`, st)).toBe(true);
    expect(again.unchanged(`f${MAX_NOTED}`, st)).toBe(false); // listed every run, as without a record
  });
});
