import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copySeams, LARGE, SMALL, writeFileAsync, writeFileSync as writeAtomically } from '../../../src/jobs/copy/copy-file.js';
import { BatchDirs, DirCache } from '../../../src/jobs/copy/dir-ref.js';
import { processEntry, type EntryContext } from '../../../src/jobs/copy/entry.js';
import { processIdentity } from '../../../src/jobs/copy/metadata.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { walk, type DirListing } from '../../../src/jobs/copy/walk.js';

let base: string;
let src: string;
let dst: string;
let victim: string;
let secret: string;
let caches: DirCache[] = [];

beforeEach(() => {
  base = mkdtempSync(`${tmpdir()}/fanout dir-ref `);
  src = `${base}/src`;
  dst = `${base}/dst`;
  victim = `${base}/victim`;
  secret = `${base}/secret`;
  for (const d of [`${src}/d`, `${dst}/d`, victim, secret]) mkdirSync(d, { recursive: true });
  writeFileSync(`${src}/d/f`, 'the source\n');
  writeFileSync(`${secret}/f`, 'SECRET\n');
});

afterEach(() => {
  for (const c of caches) c.close();
  caches = [];
  delete copySeams.afterOpen;
  rmSync(base, { recursive: true, force: true });
});

function context(): EntryContext {
  return { o: { src, dst, dryRun: false, checksum: false, force: false, verify: false }, id: processIdentity() };
}

function batchDirs(): BatchDirs {
  const s = new DirCache(src);
  const d = new DirCache(dst);
  caches.push(s, d);
  return new BatchDirs(s, d, 'd');
}

/** Swaps `path` for a symlink to `target`, moving the real directory aside. */
function swap(path: string, target: string): void {
  renameSync(path, `${path}.moved`);
  symlinkSync(target, path);
}

async function copyEntry(dirs: BatchDirs, name = 'f'): Promise<CopyRecord> {
  return processEntry(context(), { dir: 'd', fresh: false, sgid: false }, dirs, name, 'file');
}

describe('anchored destination directories', () => {
  it('fails an entry whose destination directory was swapped for a symlink, writing nothing through it', async () => {
    swap(`${dst}/d`, victim);
    const r = await copyEntry(batchDirs());
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('CHANGED_DURING_COPY');
    expect(r.error?.message).not.toMatch(/\/proc\/(self|\d+)\/fd/);
    expect(readdirSync(victim)).toEqual([]);
  });

  it('keeps writing into the directory it opened when that directory is swapped for a symlink afterwards', async () => {
    const dirs = batchDirs();
    dirs.dst(); // opened, as a batch does at its first entry
    swap(`${dst}/d`, victim);
    const r = await copyEntry(dirs);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(readdirSync(victim)).toEqual([]);
    expect(readFileSync(`${dst}/d.moved/f`, 'utf8')).toBe('the source\n');
    dirs.release();
  });
});

describe('anchored source directories', () => {
  it('fails an entry whose source directory was swapped for a symlink, reading nothing through it', async () => {
    swap(`${src}/d`, secret);
    const r = await copyEntry(batchDirs());
    expect(r.error?.code).toBe('CHANGED_DURING_COPY');
    expect(existsSync(`${dst}/d/f`)).toBe(false);
  });

  it('reads nothing through a source directory swapped for a symlink after it was opened (CHANGED_DURING_COPY)', async () => {
    const dirs = batchDirs();
    dirs.src();
    swap(`${src}/d`, secret);
    const r = await copyEntry(dirs);
    expect(r.error?.code).toBe('CHANGED_DURING_COPY'); // the secret's lstat does not match the file opened in d
    expect(existsSync(`${dst}/d/f`)).toBe(false);
    dirs.release();
  });

  it('never recreates a symlink read through a source directory swapped for a symlink', async () => {
    symlinkSync('link text in SRC', `${src}/d/l`);
    symlinkSync('SECRET link text', `${secret}/l`);
    const dirs = batchDirs();
    dirs.src();
    swap(`${src}/d`, secret);
    const r = await processEntry(context(), { dir: 'd', fresh: false, sgid: false }, dirs, 'l', 'symlink');
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(readlinkSync(`${dst}/d/l`)).toBe('link text in SRC');
    dirs.release();
  });

  for (const [route, size] of [['read/write loop (64 KiB - 1 MiB)', SMALL * 2], ['async loop (1 MiB and more)', LARGE * 2]] as const) {
    it(`copies the bytes of the inode it checked when the file is swapped for a symlink mid-copy (${route})`, async () => {
      writeFileSync(`${src}/d/big`, Buffer.alloc(size, 0x61));
      writeFileSync(`${secret}/big`, Buffer.alloc(size, 0x53));
      const s = lstatSync(`${src}/d/big`);
      copySeams.afterOpen = () => {
        renameSync(`${src}/d/big`, `${src}/d/big.real`);
        symlinkSync(`${secret}/big`, `${src}/d/big`);
      };
      const o = { id: processIdentity(), dirSetgid: false, verify: true };
      const args = [`${src}/d/big`, `${dst}/d/big`, `${dst}/d/.fanout-tmp-t-big`, s, o] as const;
      if (size >= LARGE) await writeFileAsync(...args);
      else writeAtomically(...args);
      expect(readFileSync(`${dst}/d/big`).every((b) => b === 0x61)).toBe(true);
    });
  }
});

describe('anchored walk', () => {
  it('does not list a source directory swapped for a symlink after its parent was listed', async () => {
    const listings: DirListing[] = [];
    for await (const l of walk(src)) {
      listings.push(l);
      if (l.rel === '') swap(`${src}/d`, secret); // between the root's listing and the opening of d
    }
    const d = listings.find((l) => l.rel === 'd')!;
    expect(d.files).toEqual([]);
    expect((d.error as { code?: string }).code).toBe('CHANGED_DURING_COPY');
  });
});
