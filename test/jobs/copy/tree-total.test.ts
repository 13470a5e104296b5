import { lstatSync, readdirSync, utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { etaMs, TreeCount, walksBefore } from '../../../src/jobs/copy/tree-total.js';
import { fixtureTree, smallFiles } from '../../../fixtures/tree.js';
import { scratch, type Scratch } from './scratch.js';

let area: Scratch;
let base: string;
let src: string;

/** A tmpfs when root may mount one: relatime, so listing a directory with an old atime moves it. */
beforeAll(() => {
  area = scratch('fanout-count-', '64m');
  base = area.dir;
  src = `${base}/src`;
  fixtureTree(src);
});

afterAll(() => area.remove());

/** Every directory under root (root included, as ''), with its atime set to 2001 (older than relatime's day). */
function ageDirectories(root: string): Map<string, number> {
  const old = new Map<string, number>();
  const visit = (rel: string) => {
    const abs = rel ? `${root}/${rel}` : root;
    for (const e of readdirSync(abs, { withFileTypes: true })) if (e.isDirectory()) visit(rel ? `${rel}/${e.name}` : e.name);
    utimesSync(abs, 978_307_200 + old.size, lstatSync(abs).mtimeMs / 1000);
    old.set(rel, lstatSync(abs).atimeMs);
  };
  visit('');
  return old;
}

describe('TreeCount', () => {
  it.each([
    ['the whole tree', [] as string[]],
    ['an --exclude', ['*.txt']],
  ])('counts as many entries as the copy writes records, and every file byte, with %s', async (_, exclude) => {
    let records = 0;
    const summary = await copy({ src, dst: `${base}/dst-${exclude.length}`, exclude, onRecord: () => records++ });
    const total = await new TreeCount({ src, include: [], exclude }).finished();
    expect(total.done).toBe(true);
    expect(total.entries).toBe(records);
    expect(total.bytes).toBeGreaterThanOrEqual(summary.bytes);
  });

  it('gives back the atime a directory had before the counter listed it', async () => {
    const root = `${base}/aged`;
    smallFiles(root, 300);
    const old = ageDirectories(root);
    const count = new TreeCount({ src: root, include: [], exclude: [] });
    await count.finished(); // it has listed every directory, moving their atimes on a relatime mount
    // the copy asks in walk order
    for (const rel of [...old.keys()].sort((a, b) => (walksBefore(a, b) ? -1 : walksBefore(b, a) ? 1 : 0))) {
      const now = lstatSync(rel ? `${root}/${rel}` : root);
      expect(count.original(rel, now)!.atimeMs, rel).toBe(old.get(rel));
    }
  });

  it('lets copy({ estimateTotal }) keep directory atimes and report the total', async () => {
    const root = `${base}/aged-copy`;
    smallFiles(root, 2000);
    const old = ageDirectories(root);
    let last: number | undefined;
    await copy({ src: root, dst: `${base}/aged-dst`, mode: 'threads', workers: 2, estimateTotal: true, onProgress: (p) => (last = p.total?.entries) });
    for (const [rel, atimeMs] of old) expect(lstatSync(rel ? `${base}/aged-dst/${rel}` : `${base}/aged-dst`).atimeMs, rel).toBe(atimeMs);
    expect(last === undefined || last > 0).toBe(true);
  });
});

describe('walksBefore', () => {
  it('orders directories as the walk visits them: a parent before its children, siblings by name', () => {
    const order = ['', 'a', 'a/b', 'a/b/c', 'a/c', 'a-b', 'b', 'b/a'];
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) expect(walksBefore(order[i]!, order[j]!), `${order[i]} < ${order[j]}`).toBe(i < j);
    }
  });
});

describe('etaMs', () => {
  const total = { entries: 100, bytes: 1000, done: true };
  it('is the time left at the rate so far', () => {
    expect(etaMs({ entries: 25, bytes: 0, elapsedMs: 1000 }, total)).toBe(3000);
  });
  it('goes by bytes when they are further along (a few large files)', () => {
    expect(etaMs({ entries: 10, bytes: 500, elapsedMs: 1000 }, total)).toBe(1000);
  });
  it('is unknown until the total is counted', () => {
    expect(etaMs({ entries: 10, bytes: 0, elapsedMs: 1000 }, { ...total, done: false })).toBeNaN();
  });
});
