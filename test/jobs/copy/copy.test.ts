import {
  chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { fixtureTree, invalidUtf8Tree, removeTree, SPARSE_SIZE } from '../../../fixtures/tree.js';
import { expectSameTree, snapshot, tempNames, withoutAtimes } from './snapshot.js';
import { needsRoot } from '../../helpers/needs.js';

let base: string;
let src: string;
let n = 0;
const fresh = () => `${base}/dst-${n++}`;

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout-copy-`);
  src = `${base}/src`;
  fixtureTree(src);
});

afterAll(() => removeTree(base));

async function copyTo(dst: string, extra: Partial<Parameters<typeof copy>[0]> = {}) {
  const records: CopyRecord[] = [];
  const summary = await copy({ src, dst, onRecord: (r) => records.push(r), ...extra });
  return { summary, records };
}

describe('copy', () => {
  for (const mode of ['async', 'threads', 'procs'] as const) {
    it(`copies every case of the fixture tree identically in ${mode} mode`, async () => {
      const dst = fresh();
      const { summary, records } = await copyTo(dst, { mode, workers: 2 });
      expect(summary.failed, JSON.stringify(summary.firstFailures)).toBe(0);
      expectSameTree(src, dst);
      const sparse = lstatSync(`${dst}/sparse.img`);
      expect(sparse.size).toBe(SPARSE_SIZE);
      expect(sparse.blocks * 512).toBeLessThan(SPARSE_SIZE / 100); // still mostly holes
      expect(lstatSync(`${dst}/pipe.fifo`).isFIFO()).toBe(true);
      // one record per entry, in walk order: each directory before its contents
      expect(records.length).toBe(snapshot(src).size);
      const seen = new Set<string>();
      for (const r of records) {
        const parent = r.path.includes('/') ? r.path.slice(0, r.path.lastIndexOf('/')) : '.';
        expect(seen.has(parent) || r.path === '.', `${r.path} after its directory`).toBe(true);
        seen.add(r.path);
      }
      expect(records.filter((r) => r.action === 'link').map((r) => r.path).sort()).toEqual(['a/b/hard-3.txt', 'a/hard-2.txt', 'a/pair-2']);
      expect(tempNames(dst)).toEqual([]);
    });
  }

  it('writes nothing on a re-run over a finished copy: every record is a skip and no ctime moves', async () => {
    const dst = fresh();
    await copyTo(dst, { mode: 'threads', workers: 2 });
    const before = ctimes(dst);
    const { summary, records } = await copyTo(dst, { mode: 'threads', workers: 2 });
    expect(records.every((r) => r.ok && r.action === 'skip'), JSON.stringify(records.filter((r) => r.action !== 'skip'))).toBe(true);
    expect(summary.copied).toBe(0);
    expect(ctimes(dst)).toEqual(before);
  });

  it("records the root as 'meta' when a re-run fixes its mode or mtime, and as 'skip' when nothing differs", async () => {
    const dst = fresh();
    await copyTo(dst);
    chmodSync(dst, 0o700);
    const fixed = await copyTo(dst);
    expect(fixed.records[0]).toMatchObject({ path: '.', action: 'meta', ok: true });
    expect(lstatSync(dst).mode & 0o7777).toBe(lstatSync(src).mode & 0o7777);
    const again = await copyTo(dst);
    expect(again.records[0]).toMatchObject({ path: '.', action: 'skip' });
  });

  it('keeps times before 1970 (a negative time is "now" to fs.utimes), and skips those files on a re-run', async () => {
    const old = `${base}/before-1970`;
    mkdirSync(`${old}/dir`, { recursive: true });
    const times = { 'f-1.5': -1.5, 'f-day': -86_400.999_999, 'f-1900': -2_208_988_800.123_456, dir: -12_345.5 };
    for (const [name, t] of Object.entries(times)) {
      if (name !== 'dir') writeFileSync(`${old}/${name}`, name);
      utimesSync(`${old}/${name}`, String(t), String(t));
    }
    // as the file system keeps them (ext4 may clamp 1900), before the copy reads them (relatime moves old atimes)
    const before = new Map(Object.keys(times).map((name) => [name, lstatSync(`${old}/${name}`, { bigint: true })]));
    const dst = fresh();
    await copy({ src: old, dst, mode: 'threads', workers: 2 });
    for (const name of Object.keys(times)) {
      const s = before.get(name)!;
      const d = lstatSync(`${dst}/${name}`, { bigint: true });
      expect(s.mtimeNs).toBeLessThan(0n);
      expect(Math.abs(Number(d.mtimeNs - s.mtimeNs)), name).toBeLessThanOrEqual(1000);
      expect(Math.abs(Number(d.atimeNs - s.atimeNs)), name).toBeLessThanOrEqual(1000);
    }
    const again = await copy({ src: old, dst });
    expect(again.copied).toBe(0);
  });

  it('copies only what changed on a re-run', async () => {
    const dst = fresh();
    await copyTo(dst);
    writeFileSync(`${src}/a/one.txt`, 'changed!\n');
    utimesSync(`${src}/top.txt`, 1_700_000_000, 1_700_000_000);
    try {
      const { records } = await copyTo(dst, { mode: 'threads', workers: 2 });
      const acted = records.filter((r) => r.action !== 'skip').map((r) => `${r.path}:${r.action}`);
      expect(acted.sort()).toEqual(['a/one.txt:copy', 'top.txt:copy']);
      expectSameTree(src, dst, { atime: false });
    } finally {
      writeFileSync(`${src}/a/one.txt`, 'one\n');
    }
  });

  it("removes a killed run's temp files on a re-run and gives their directory back its mtime", async () => {
    const dst = fresh();
    await copyTo(dst);
    writeFileSync(`${dst}/a/b/.fanout-tmp-dead.0.0.1-two.bin`, 'half a file'); // as a SIGKILL leaves it
    writeFileSync(`${dst}/.fanout-tmp-dead.0.0.2-top.txt`, 'half');
    const { summary } = await copyTo(dst, { mode: 'threads', workers: 2 });
    expect(summary.failed).toBe(0);
    expect(tempNames(dst)).toEqual([]);
    expectSameTree(src, dst, { atime: false });
  });

  it("removes a killed run's temps on a re-run even where their directory's mtime already matches SRC's", async () => {
    const dst = fresh();
    await copyTo(dst);
    // A worker killed mid-file, and its directory's times set afterwards by the run that went on without it.
    const mtime = lstatSync(`${dst}/a/b`, { bigint: true }).mtimeNs;
    writeFileSync(`${dst}/a/b/.fanout-tmp-dead.0.0.1-two.bin`, 'half a file');
    setMtimeNs(`${dst}/a/b`, mtime);
    const { summary } = await copyTo(dst, { mode: 'threads', workers: 2 });
    expect(summary.failed).toBe(0);
    expect(tempNames(dst)).toEqual([]);
    expectSameTree(src, dst, { atime: false });
  });

  it("keeps a user's entries whose names merely start like a temp's, in DST and in SRC, run after run", async () => {
    const own = `${base}/own-src-${n++}`;
    const dst = fresh();
    mkdirSync(`${own}/sub`, { recursive: true });
    writeFileSync(`${own}/sub/f`, 'f\n');
    mkdirSync(`${own}/.fanout-tmp-album`);
    writeFileSync(`${own}/.fanout-tmp-album/p.jpg`, 'photo');
    writeFileSync(`${own}/.fanout-tmp-1.2.3.4-exact-shape`, 'a file of temp shape, in SRC: copied like any other');
    mkdirSync(`${dst}/sub/.fanout-tmp-mydata`, { recursive: true });
    writeFileSync(`${dst}/sub/.fanout-tmp-mydata/a`, 'x\n');
    writeFileSync(`${dst}/.fanout-tmp-notes.txt`, 'notes\n');
    for (const mode of ['async', 'procs'] as const) {
      const s = await copy({ src: own, dst, mode, workers: 2 });
      expect(s.failed).toBe(0);
      expect(readFileSync(`${dst}/sub/.fanout-tmp-mydata/a`, 'utf8')).toBe('x\n');
      expect(readFileSync(`${dst}/.fanout-tmp-notes.txt`, 'utf8')).toBe('notes\n');
      expect(readFileSync(`${dst}/.fanout-tmp-album/p.jpg`, 'utf8')).toBe('photo');
      expect(existsSync(`${dst}/.fanout-tmp-1.2.3.4-exact-shape`)).toBe(true);
    }
    // and a re-run where every directory looks untouched copies nothing again
    expect((await copy({ src: own, dst })).copied).toBe(0);
  });

  it('gives the same record hash in every mode, and another one for a re-run', async () => {
    const hashes: string[] = [];
    for (const mode of ['async', 'threads', 'procs'] as const) {
      hashes.push((await copy({ src, dst: fresh(), mode, workers: 2, hashRecords: true })).recordHash!);
    }
    expect(new Set(hashes).size).toBe(1);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    const dst = fresh();
    await copy({ src, dst });
    expect((await copy({ src, dst, hashRecords: true })).recordHash).not.toBe(hashes[0]);
  });

  it('counts the same entries, bytes and skips whether or not records are read', async () => {
    const dst = fresh();
    const { summary: counted } = await copyTo(dst);
    const quiet = await copy({ src, dst: fresh() });
    const { copied, skipped, failed, bytes, entries } = counted;
    expect({ copied: quiet.copied, skipped: quiet.skipped, failed: quiet.failed, bytes: quiet.bytes, entries: quiet.entries })
      .toEqual({ copied, skipped, failed, bytes, entries });
    const rerun = await copy({ src, dst, mode: 'threads', workers: 2 });
    expect({ skipped: rerun.skipped, copied: rerun.copied, entries: rerun.entries }).toEqual({ skipped: entries, copied: 0, entries });
  });

  it('writes nothing with --dry-run, and plans one record per entry', async () => {
    const dst = fresh();
    const { records, summary } = await copyTo(dst, { dryRun: true });
    expect(existsSync(dst)).toBe(false);
    expect(summary.dryRun).toBe(true);
    expect(records.length).toBe(snapshot(src).size);
    const actions = new Set(records.map((r) => r.action));
    expect([...actions].sort()).toEqual(['copy', 'link', 'mkdir', 'mkfifo', 'symlink']);
  });

  it('compares contents with --checksum when size and mtime say equal', async () => {
    const dst = fresh();
    await copyTo(dst);
    const s = lstatSync(`${dst}/top.txt`);
    writeFileSync(`${dst}/top.txt`, 'TOP LEVEL\n'); // same size
    utimesSync(`${dst}/top.txt`, s.atime, s.mtime);
    const quick = await copyTo(dst);
    expect(quick.records.find((r) => r.path === 'top.txt')!.action).toBe('skip');
    const { records } = await copyTo(dst, { checksum: true });
    expect(records.filter((r) => r.action !== 'skip').map((r) => r.path)).toEqual(['top.txt']);
    expect(readFileSync(`${dst}/top.txt`, 'utf8')).toBe('top level\n');
  });

  it("gives a missing DST's missing parents the default mode, as mkdir -p does, and DST its source's mode", async () => {
    const parent = `${fresh()}/p1`;
    const dst = `${parent}/p2/dst`;
    const umask = process.umask();
    await copyTo(dst);
    for (const p of [parent, `${parent}/p2`]) expect((lstatSync(p).mode & 0o7777).toString(8)).toBe((0o777 & ~umask).toString(8));
    expect(lstatSync(dst).mode & 0o7777).toBe(lstatSync(src).mode & 0o7777);
  });

  it('recreates a socket as a socket file with its mode and times in every mode, deep past a socket address\'s 108 bytes', async () => {
    const sockSrc = `${base}/sock-src`;
    const deep = `${sockSrc}/${'d'.repeat(120)}`;
    mkdirSync(deep, { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(`${sockSrc}/agent.sock`, resolve)); // a live socket, as in ~/.gnupg
    try {
      linkSync(`${sockSrc}/agent.sock`, `${deep}/agent.sock`); // one past 108 bytes, too
      chmodSync(`${sockSrc}/agent.sock`, 0o600);
      for (const mode of ['async', 'threads', 'procs'] as const) {
        const dst = `${fresh()}/${'x'.repeat(60)}`;
        const records: CopyRecord[] = [];
        const summary = await copy({ src: sockSrc, dst, mode, workers: 2, onRecord: (r) => records.push(r) });
        expect(summary.failed, JSON.stringify(records)).toBe(0);
        for (const rel of ['agent.sock', `${'d'.repeat(120)}/agent.sock`]) {
          const [a, b] = [lstatSync(`${sockSrc}/${rel}`, { bigint: true }), lstatSync(`${dst}/${rel}`, { bigint: true })];
          expect(b.isSocket(), `${mode} ${rel}`).toBe(true);
          expect(b.mode).toBe(a.mode);
          const off = b.mtimeNs - a.mtimeNs;
          expect(off < 1000n && off > -1000n, `mtime ${b.mtimeNs} vs ${a.mtimeNs}`).toBe(true); // Node 20 keeps µs
        }
        expect(tempNames(dst)).toEqual([]);
        const again = await copy({ src: sockSrc, dst, mode });
        expect(again.skipped).toBe(again.entries); // the quick check knows a socket too
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a DST under /proc, which Node\'s recursive mkdir would spin on forever, before copying anything', async () => {
    await expect(copy({ src, dst: '/proc/fanout-no-such/dst' })).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('cannot create the destination'),
    });
  }, 10_000);

  it('copies names that are not valid UTF-8 byte for byte in every mode, logs them escaped, and skips them on a re-run', async () => {
    const bad = `${base}/bad-names`;
    const rels = invalidUtf8Tree(bad);
    const at = (root: string, rel: Buffer) => Buffer.concat([Buffer.from(`${root}/`), rel]);
    for (const mode of ['async', 'threads', 'procs'] as const) {
      const dst = fresh();
      const records: CopyRecord[] = [];
      const summary = await copy({ src: bad, dst, mode, workers: 2, onRecord: (r) => records.push(r) });
      expect(summary.failed, JSON.stringify(summary.firstFailures)).toBe(0);
      for (const rel of rels) {
        const s = lstatSync(at(bad, rel));
        const d = lstatSync(at(dst, rel));
        expect(d.mode, rel.toString('latin1')).toBe(s.mode);
        if (s.isFile()) expect(readFileSync(at(dst, rel))).toEqual(readFileSync(at(bad, rel)));
        if (s.isSymbolicLink()) expect(readlinkSync(at(dst, rel), { encoding: 'buffer' })).toEqual(readlinkSync(at(bad, rel), { encoding: 'buffer' }));
      }
      expect(lstatSync(at(dst, rels[4])).ino).toBe(lstatSync(at(dst, rels[0])).ino); // still one hard-linked file
      // each invalid byte is a lone surrogate U+DC80+byte, so JSON writes it as \udcNN: one distinct path per entry
      expect(records.map((r) => JSON.stringify(r.path)).sort()).toEqual(
        ['"."', '"caf\\udce9"', '"caf�"', '"d\\udce9j\\udce0"', '"d\\udce9j\\udce0/f\\udcff"', '"d\\udce9j\\udce0/hard\\udce9"', '"d\\udce9j\\udce0/l\\udcfe"'],
      );
      const again = await copy({ src: bad, dst, mode, workers: 2 });
      expect({ copied: again.copied, failed: again.failed }).toEqual({ copied: 0, failed: 0 });
    }
  });

  it('never writes through a symlink already inside DST', async () => {
    const dst = fresh();
    const outside = `${base}/outside-${n}`;
    mkdirSync(outside);
    mkdirSync(dst);
    symlinkSync(outside, `${dst}/a`); // SRC has a directory 'a'
    symlinkSync(`${outside}/top.txt`, `${dst}/top.txt`);
    const { summary } = await copyTo(dst);
    expect(summary.failed).toBe(0);
    expect(snapshot(outside).size).toBe(1); // still only the empty directory itself
    expect(lstatSync(`${dst}/a`).isDirectory()).toBe(true);
    expect(lstatSync(`${dst}/top.txt`).isFile()).toBe(true);
    expectSameTree(src, dst, { atime: false });
  });

  it('leaves out excluded entries and keeps included ones', async () => {
    const dst = fresh();
    const { records } = await copyTo(dst, { exclude: ['a/', '*.txt'], include: ['top.txt'] });
    const paths = records.map((r) => r.path);
    expect(paths).toContain('top.txt');
    expect(paths).not.toContain('with space.txt');
    expect(paths.some((p) => p === 'a' || p.startsWith('a/'))).toBe(false);
    expect(existsSync(`${dst}/a`)).toBe(false);
    expect(existsSync(`${dst}/sparse.img`)).toBe(true);
  });

  it('does not copy DST into itself when a bind mount puts it inside SRC', async (ctx) => {
    needsRoot(ctx, 'bind mounts');
    const tree = `${base}/bind-src`;
    const mnt = `${base}/bind-mnt`;
    mkdirSync(`${tree}/a`, { recursive: true });
    writeFileSync(`${tree}/a/f`, 'f\n');
    mkdirSync(mnt);
    expect(spawnSync('mount', ['--bind', `${tree}/a`, mnt]).status).toBe(0);
    try {
      // DST's ancestors are the mount's, not SRC's: checkRoots cannot see that DST is SRC/a/x
      const records: CopyRecord[] = [];
      await copy({ src: tree, dst: `${mnt}/x`, onRecord: (r) => records.push(r) });
      expect(records.filter((r) => !r.ok).map((r) => [r.path, r.error!.code])).toEqual([['a/x', 'REFUSED_DST_INSIDE_SRC']]);
      expect(readFileSync(`${tree}/a/x/a/f`, 'utf8')).toBe('f\n'); // the rest was copied
      expect(existsSync(`${tree}/a/x/a/x`)).toBe(false);
    } finally {
      spawnSync('umount', ['-l', mnt]);
    }
  });

  it('never writes into SRC when DST reaches it through a bind mount', async (ctx) => {
    needsRoot(ctx, 'bind mounts');
    const dst = `${base}/bind-dst`;
    const mnt = `${base}/bind-src-mnt`;
    mkdirSync(`${dst}/a/a`, { recursive: true });
    writeFileSync(`${dst}/a/f`, 'top\n');
    writeFileSync(`${dst}/a/a/f`, 'inner\n');
    mkdirSync(mnt);
    expect(spawnSync('mount', ['--bind', `${dst}/a`, mnt]).status).toBe(0);
    try {
      // SRC is DST/a: copying SRC's a/f to DST/a/f would overwrite SRC's own f
      const records: CopyRecord[] = [];
      await copy({ src: mnt, dst, onRecord: (r) => records.push(r) });
      expect(readFileSync(`${mnt}/f`, 'utf8')).toBe('top\n');
      expect(records.filter((r) => !r.ok).map((r) => [r.path, r.error!.code])).toEqual([['a', 'REFUSED_SRC_INSIDE_DST']]);
    } finally {
      spawnSync('umount', ['-l', mnt]);
    }
  });

  for (const [name, dstOf, code] of [
    ['SRC == DST', () => src, 'REFUSED_SAME'],
    ['SRC == DST through a symlink', () => linkTo(src), 'REFUSED_SAME'],
    ['DST inside SRC', () => `${src}/a/new-dst`, 'REFUSED_DST_INSIDE_SRC'],
    ['DST inside SRC through a symlink', () => `${linkTo(src)}/x/y`, 'REFUSED_DST_INSIDE_SRC'],
    ['SRC inside DST', () => base, 'REFUSED_SRC_INSIDE_DST'],
  ] as const) {
    it(`refuses ${name} before writing anything`, async () => {
      const before = withoutAtimes(snapshot(src));
      await expect(copy({ src, dst: dstOf() })).rejects.toMatchObject({ code });
      expect(withoutAtimes(snapshot(src))).toEqual(before);
      expect(existsSync(`${src}/a/new-dst`)).toBe(false);
    });
  }
});

function linkTo(target: string): string {
  const l = `${base}/link-${n++}`;
  symlinkSync(target, l);
  return l;
}

/** Sets a directory's mtime to the nanosecond (touch takes it exactly; Node's utimes would round it). */
function setMtimeNs(path: string, ns: bigint): void {
  const r = spawnSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, path]);
  expect(r.status, String(r.stderr)).toBe(0);
}

function ctimes(root: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const rel of snapshot(root).keys()) out[rel] = lstatSync(rel === '.' ? root : `${root}/${rel}`, { bigint: true }).ctimeNs;
  return out;
}
