/** Dispatch (batches.ts): small folders travel several to an item, and nothing of the walk's order is lost. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, InFlight } from '../../../src/jobs/copy/batches.js';
import { copy } from '../../../src/jobs/copy/copy.js';
import type { DirPlan, DirPlanner } from '../../../src/jobs/copy/dir-plan.js';
import { okRecord, type CopyRecord } from '../../../src/jobs/copy/record.js';
import type { RunStop } from '../../../src/jobs/copy/run-stop.js';
import type { CopyItem } from '../../../src/jobs/copy/task.js';
import type { DirListing } from '../../../src/jobs/copy/walk.js';
import { removeTree } from '../../../fixtures/tree.js';
import { skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from './scratch.js';
import { expectSameTree, tempNames } from './snapshot.js';

/** Folders of `counts[i]` files each, listed as the walk lists them. */
async function* listings(counts: number[]): AsyncGenerator<DirListing, void, boolean | undefined> {
  for (let i = 0; i < counts.length; i++) {
    const files = Array.from({ length: counts[i]! }, (_, k) => ({ name: `f${k}`, type: 'file' as const }));
    yield { rel: `d${i}`, stat: null, files };
  }
}

/** A planner that plans every folder as an existing one, with its record. */
const planner = {
  plan: (l: DirListing): DirPlan => ({
    record: okRecord(l.rel, 'dir', 'skip'), entry: { dir: l.rel, fresh: false, sgid: false }, files: l.files, pending: null, descend: true,
  }),
} as unknown as DirPlanner;
const running = { stopped: false, fatal: null } as unknown as RunStop;

async function dispatch(counts: number[], batchSize: number): Promise<{ items: CopyItem[]; inFlight: InFlight }> {
  const inFlight = new InFlight();
  const items: CopyItem[] = [];
  for await (const item of batches(listings(counts), planner, inFlight, batchSize, running)) items.push(item);
  return { items, inFlight };
}

describe('batches', () => {
  it('sends consecutive small folders in one item, up to batchSize entries in all', async () => {
    const { items } = await dispatch([3, 0, 4, 2, 5, 1], 8);
    expect(items.map((item) => item.map((b) => [b.dir, b.names.length]))).toEqual([
      [['d0', 3], ['d1', 0], ['d2', 4]],
      [['d3', 2], ['d4', 5], ['d5', 1]],
    ]);
  });

  it('sends a folder larger than a batch in shares of batchSize, each share alone, in order', async () => {
    const { items } = await dispatch([2, 7, 1], 3);
    expect(items.map((item) => item.map((b) => [b.dir, b.names.join(',')]))).toEqual([
      [['d0', 'f0,f1']],
      [['d1', 'f0,f1,f2']],
      [['d1', 'f3,f4,f5']],
      [['d1', 'f6'], ['d2', 'f0']],
    ]);
  });

  it('puts at most 32 folders in one item, so a tree of empty folders is dispatched as it is walked', async () => {
    const { items } = await dispatch(Array.from({ length: 70 }, () => 0), 128);
    expect(items.map((item) => item.length)).toEqual([32, 32, 6]);
  });

  it("hands each folder's record back with its first batch only, and knows every folder still out", async () => {
    const { items, inFlight } = await dispatch([1, 4, 0], 2);
    expect(items).toHaveLength(3);
    expect(inFlight.dirsLeft()).toEqual(new Set(['d0', 'd1', 'd2']));
    const heads = items.map((_, i) => inFlight.taken(i).map((s) => [s.dir, s.head?.record.path ?? null]));
    expect(heads).toEqual([[['d0', 'd0']], [['d1', 'd1']], [['d1', null], ['d2', 'd2']]]);
    expect(inFlight.dirsLeft()).toEqual(new Set());
  });
});

describe('copy over many small folders', () => {
  let base: string;
  let src: string;
  let n = 0;
  /** The walk's order: each folder's record, its files by name, then its subfolders by name. */
  const expected: string[] = ['.'];

  beforeAll(() => {
    base = mkdtempSync(`${tmpdir()}/fanout batches `);
    src = `${base}/src`;
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 12; b++) {
        const dir = `a${a}/b${String(b).padStart(2, '0')}`;
        mkdirSync(`${src}/${dir}`, { recursive: true });
        for (let f = 0; f < (a + b) % 4; f++) writeFileSync(`${src}/${dir}/f${f}`, `${dir}/f${f}\n`.repeat(100));
      }
    }
    for (let a = 0; a < 6; a++) {
      expected.push(`a${a}`);
      for (let b = 0; b < 12; b++) {
        const dir = `a${a}/b${String(b).padStart(2, '0')}`;
        expected.push(dir, ...Array.from({ length: (a + b) % 4 }, (_, f) => `${dir}/f${f}`));
      }
    }
  });
  afterAll(() => removeTree(base));

  for (const mode of ['async', 'threads', 'procs'] as const) {
    it(`copies them in walk order, each folder's record before its files, and makes DST equal to SRC (${mode})`, async () => {
      const dst = `${base}/dst-${n++}`;
      const records: CopyRecord[] = [];
      const summary = await copy({ src, dst, mode, workers: 2, onRecord: (r) => records.push(r) });
      expect(summary.failed).toBe(0);
      expect(records.map((r) => r.path)).toEqual(expected);
      expectSameTree(src, dst, { atime: false }); // a first listing of a new folder moves its atime (relatime)
      const again: CopyRecord[] = [];
      await copy({ src, dst, mode, workers: 2, onRecord: (r) => again.push(r) });
      expect(again.map((r) => r.path)).toEqual(expected);
      expect(again.filter((r) => r.action !== 'skip')).toEqual([]);
    });
  }

  it('stops on a full disk in the middle of an item: whole records in walk order, every copied file whole, no temps', async (ctx) => {
    skipUnless(ctx, canMountTmpfs(), 'needs root allowed to mount a tmpfs (a full disk)');
    const dst = `${base}/full`;
    mkdirSync(dst);
    // Each file takes a page: the disk fills a few dozen files in, inside items of several folders.
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', dst]).status).toBe(0);
    try {
      const records: CopyRecord[] = [];
      await expect(copy({ src, dst: `${dst}/copy`, mode: 'threads', workers: 2, onRecord: (r) => records.push(r) })).rejects.toMatchObject({ code: 'NO_SPACE' });
      const paths = records.map((r) => r.path);
      expect(paths.length).toBeGreaterThan(1);
      expect(paths).toEqual(expected.slice(0, paths.length));
      for (const r of records.filter((x) => x.ok && x.type === 'file')) {
        expect(readFileSync(`${dst}/copy/${r.path}`, 'utf8'), r.path).toBe(readFileSync(`${src}/${r.path}`, 'utf8'));
      }
      expect(tempNames(dst)).toEqual([]);
    } finally {
      spawnSync('umount', ['-l', dst]);
    }
  });
});
