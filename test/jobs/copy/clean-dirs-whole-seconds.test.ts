/**
 * The record of clean DST folders (clean-dirs.ts) on a file system that keeps whole seconds (ext4 with 128-byte
 * inodes, as ext2/ext3 and old small file systems have): an entry made in the same second as a folder's last change
 * leaves its stamp as it was. Needs root, for a loop-mounted ext4 image.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { removeTree } from '../../../fixtures/tree.js';
import { needsRoot, skipUnless } from '../../helpers/needs.js';
import { deadTemp, withListingHook } from './listing-hook.js';
import { tempNames } from './snapshot.js';

let base: string;
let mnt: string;
let mounted = false;
const savedCache = process.env.XDG_CACHE_HOME;

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout whole seconds `);
  process.env.XDG_CACHE_HOME = join(base, 'cache');
  if (process.geteuid?.() !== 0) return;
  const image = join(base, 'ext4.img');
  writeFileSync(image, '');
  truncateSync(image, 16 << 20);
  mnt = join(base, 'mnt');
  mkdirSync(mnt);
  if (spawnSync('mkfs.ext4', ['-q', '-F', '-I', '128', image]).status !== 0) return;
  mounted = spawnSync('mount', ['-o', 'loop', image, mnt]).status === 0;
});

afterAll(() => {
  if (mounted) spawnSync('umount', [mnt]);
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  removeTree(base);
});

/** Resolves once the clock is early in a second (polled). */
async function secondStart(): Promise<void> {
  while (Date.now() % 1000 > 100) await new Promise((r) => setTimeout(r, 5));
}

describe('the record of clean DST folders, on a file system of whole seconds', () => {
  it("removes a concurrent run's temp made just after the listing, in the second of the folder's last change", async (ctx) => {
    needsRoot(ctx, 'a loop mount');
    skipUnless(ctx, mounted, 'mkfs.ext4 and mount -o loop');
    const src = join(base, 'src');
    mkdirSync(join(src, 'f'), { recursive: true });
    writeFileSync(join(src, 'f', 'one.txt'), 'one\n');
    const dst = join(mnt, 'dst');
    const f = join(dst, 'f');
    await copy({ src, dst });
    await copy({ src, dst });
    let raced = false;
    for (let attempt = 0; attempt < 5 && !raced; attempt++) {
      await secondStart();
      // A file new in SRC, copied by one run: f's last change (its times set to SRC's), in this second.
      const added = `added-${attempt}.txt`;
      writeFileSync(join(src, 'f', added), 'new\n');
      await copy({ src, dst });
      const changed = statSync(f).ctimeMs;
      // A second run finds f up to date and free of temps; a third one's temp is made right after that listing (its
      // writer killed later).
      await withListingHook((path, names) => {
        if (path.startsWith('/proc/') && names.includes(added)) deadTemp(f);
      }, () => copy({ src, dst }));
      raced = statSync(f).ctimeMs === changed; // all in one second: the temp left f's stamp as it was
    }
    expect(raced).toBe(true);
    await copy({ src, dst });
    expect(tempNames(dst)).toEqual([]);
  });
});
