/** The `changes` of copy records: what differed for each entry, the same in every mode and in a dry run. */
import { chmodSync, chownSync, lutimesSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, type CopyOptions } from '../../../src/jobs/copy/copy.js';
import { decodeBatch, encodeBatch } from '../../../src/jobs/copy/batch-result.js';
import { MODE, SIZE, TIME } from '../../../src/jobs/copy/changes.js';
import { okRecord, type CopyRecord } from '../../../src/jobs/copy/record.js';
import { removeTree } from '../../../fixtures/tree.js';
import { needsRoot } from '../../helpers/needs.js';

let base: string;
let n = 0;

beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout changes `);
});
afterAll(() => removeTree(base));

const T0 = 1_600_000_000;

/** A small tree, every entry with a time of its own in whole seconds. */
function makeTree(root: string): void {
  mkdirSync(`${root}/sub`, { recursive: true });
  for (const [name, text] of [['a', 'hello\n'], ['b', 'world\n'], ['c', 'mode\n'], ['d', 'grows\n'], ['e', 'a file, then a folder\n']]) {
    writeFileSync(`${root}/${name}`, text);
  }
  writeFileSync(`${root}/sub/s`, 'in sub\n');
  symlinkSync('a', `${root}/l`);
  for (const rel of ['a', 'b', 'c', 'd', 'e', 'sub/s', 'sub', '.']) utimesSync(`${root}/${rel}`, T0, T0);
  lutimesSync(`${root}/l`, T0, T0);
}

/** SRC changed after a copy, in each way a user notices: the records' changes must name each. */
function changeTree(root: string): void {
  utimesSync(`${root}/a`, T0 + 10, T0 + 10); // touched: the time alone
  writeFileSync(`${root}/b`, 'WORLD\n'); // other data, the same size
  utimesSync(`${root}/b`, T0 + 20, T0 + 20);
  chmodSync(`${root}/c`, 0o600); // mode alone
  writeFileSync(`${root}/d`, 'grows longer\n');
  utimesSync(`${root}/d`, T0 + 30, T0 + 30);
  unlinkSync(`${root}/e`); // a file becomes a folder
  mkdirSync(`${root}/e`);
  utimesSync(`${root}/e`, T0, T0);
  unlinkSync(`${root}/l`); // a symlink to another target
  symlinkSync('b', `${root}/l`);
  lutimesSync(`${root}/l`, T0 + 40, T0 + 40);
  writeFileSync(`${root}/sub/new`, 'new\n');
  utimesSync(`${root}/sub/new`, T0, T0);
  utimesSync(`${root}/sub`, T0 + 50, T0 + 50);
  utimesSync(root, T0 + 60, T0 + 60);
}

/** What a run reports as changed: path, action and changes of each record that acts. */
async function changed(src: string, dst: string, extra: Partial<CopyOptions> = {}) {
  const records: CopyRecord[] = [];
  const summary = await copy({ src, dst, onRecord: (r) => records.push(r), ...extra });
  expect(summary.failed, JSON.stringify(summary.firstFailures)).toBe(0);
  return records.filter((r) => r.action !== 'skip').map((r) => [r.path, r.action, r.changes]);
}

/** A SRC copied once to a DST, then changed. */
async function changedPair(): Promise<{ src: string; dst: string }> {
  const src = `${base}/src-${n}`;
  const dst = `${base}/dst-${n++}`;
  makeTree(src);
  await copy({ src, dst });
  changeTree(src);
  return { src, dst };
}

const EXPECTED = [
  ['.', 'meta', ['time']],
  ['a', 'copy', ['time']],
  ['b', 'copy', ['time']],
  ['c', 'meta', ['mode']],
  ['d', 'copy', ['size', 'time']],
  ['l', 'symlink', ['content', 'time']],
  ['e', 'mkdir', ['new']],
  ['sub', 'meta', ['time']],
  ['sub/new', 'copy', ['new']],
];

describe('what changed, on each copy record', () => {
  it('marks every entry of a first copy new', async () => {
    const src = `${base}/src-${n}`;
    makeTree(src);
    const records = await changed(src, `${base}/dst-${n++}`);
    expect(records.map(([, , c]) => c)).toEqual(records.map(() => ['new']));
    expect(records).toHaveLength(9);
  });

  for (const mode of ['async', 'threads', 'procs'] as const) {
    it(`names the time, data, size, mode and type changes of a re-run in ${mode} mode, a dry run saying the same first`, async () => {
      const { src, dst } = await changedPair();
      expect(await changed(src, dst, { mode, workers: 2, dryRun: true })).toEqual(EXPECTED);
      expect(await changed(src, dst, { mode, workers: 2 })).toEqual(EXPECTED);
      expect(await changed(src, dst, { mode, workers: 2 })).toEqual([]);
    });
  }

  it('says content with --checksum: other data at the same size and time, and the time alone when the data is equal', async () => {
    const { src, dst } = await changedPair();
    await copy({ src, dst });
    writeFileSync(`${src}/a`, 'HELLO\n');
    utimesSync(`${src}/a`, T0 + 10, T0 + 10);
    utimesSync(`${src}/c`, T0 + 70, T0 + 70);
    utimesSync(src, T0 + 60, T0 + 60);
    expect(await changed(src, dst, { checksum: true })).toEqual([['a', 'copy', ['content']], ['c', 'meta', ['time']]]);
  });

  it('gives an empty list to an entry --force rewrites though nothing differs', async () => {
    const { src, dst } = await changedPair();
    await copy({ src, dst });
    const forced = await changed(src, dst, { force: true });
    expect(forced.filter(([, a]) => a === 'copy')).toEqual(['a', 'b', 'c', 'd', 'sub/new', 'sub/s'].map((p) => [p, 'copy', []]));
  });

  it('names owner and group changes, as root', async (ctx) => {
    needsRoot(ctx, 'chown to another owner');
    const { src, dst } = await changedPair();
    await copy({ src, dst });
    chownSync(`${src}/a`, 1234, 5678);
    chownSync(`${src}/b`, 0, 5678);
    utimesSync(src, T0 + 60, T0 + 60);
    expect(await changed(src, dst)).toEqual([['a', 'meta', ['owner', 'group']], ['b', 'meta', ['group']]]);
  });

  it('carries no changes on a deletion', async () => {
    const { src, dst } = await changedPair();
    await copy({ src, dst });
    rmSync(`${src}/sub`, { recursive: true });
    utimesSync(src, T0 + 60, T0 + 60);
    expect(await changed(src, dst, { delete: true })).toEqual([['sub/new', 'delete', undefined], ['sub/s', 'delete', undefined], ['sub', 'delete', undefined]]);
  });
});

describe('changes across the worker boundary', () => {
  it('sends changes only where the action does not imply them, and gives every record back as it was', () => {
    const types = ['file', 'file', 'file', 'file', 'symlink'] as const;
    const records = [
      okRecord('n', 'file', 'copy', 5), // new: implied
      okRecord('t', 'file', 'copy', 5, SIZE | TIME),
      okRecord('m', 'file', 'meta', 0, MODE),
      okRecord('s', 'file', 'skip'),
      okRecord('l', 'symlink', 'symlink'),
    ];
    const encoded = encodeBatch(records, [...types]);
    expect(encoded.changes).toEqual([1, SIZE | TIME, 2, MODE]);
    expect(decodeBatch(structuredClone(encoded), (i) => records[i].path, [...types])).toStrictEqual(records);
  });
});
