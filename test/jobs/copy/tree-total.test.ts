import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { countTree, etaMs } from '../../../src/jobs/copy/tree-total.js';
import { fixtureTree } from '../../../fixtures/tree.js';

let base: string;
let src: string;

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout-count-`);
  src = `${base}/src`;
  fixtureTree(src);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('countTree', () => {
  it.each([
    ['the whole tree', [] as string[]],
    ['an --exclude', ['*.txt']],
  ])('counts as many entries as the copy writes records, and every file byte, with %s', async (_, exclude) => {
    let records = 0;
    const summary = await copy({ src, dst: `${base}/dst-${exclude.length}`, exclude, onRecord: () => records++ });
    const total = await countTree({ src, include: [], exclude }).finished;
    expect(total.done).toBe(true);
    expect(total.entries).toBe(records);
    expect(total.bytes).toBeGreaterThanOrEqual(summary.bytes);
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
