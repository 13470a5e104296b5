/**
 * A copy's times are the source's to the nanosecond where the runtime can set them, else the latest settable time
 * before the source's: never later (a copy must not look newer), never in the next second (rsync's quick check).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, futimesSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { SMALL } from '../../../src/jobs/copy/copy-file.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { timeGranule, utimeArg } from '../../../src/jobs/copy/times.js';

const dir = mkdtempSync(`${tmpdir()}/fanout times `);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NS = 1_000_000_000n;
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** How far below the source a copy may be: a microsecond where libuv truncates to them, else one double's step. */
function allowance(ns: bigint): bigint {
  if (timeGranule() === 1000) return 1000n;
  const sec = Math.abs(Number(floorDiv(ns, NS))) + 1;
  return BigInt(Math.ceil(2 ** (Math.floor(Math.log2(sec)) - 52) * 1e9)) + 1n;
}

function expectCopyTime(copyNs: bigint, srcNs: bigint, what: string): void {
  expect(copyNs <= srcNs, `${what}: ${copyNs} is later than the source's ${srcNs}`).toBe(true);
  expect(floorDiv(copyNs, NS), `${what}: another second`).toBe(floorDiv(srcNs, NS));
  expect(srcNs - copyNs < allowance(srcNs), `${what}: ${srcNs - copyNs} ns below`).toBe(true);
}

const TIMES = [
  '1714912496.987654321', // 2024-05-05 12:34:56.987654321
  '1714912496.999999999', // rounds to the next second as a double
  '1714912496.000000001',
  '1714912496.000000000',
  '-157766399.999999999', // 1965: before 1970
  '-157766400.000000001',
  '-1.000000123',
  '0.000000001',
];

describe('times the copy gives', () => {
  it('are never later than the source and never in another second, for any time (set on a file directly)', () => {
    const f = `${dir}/direct`;
    const fd = openSync(f, 'w');
    try {
      const values = TIMES.map((t) => BigInt(t.replace('.', '')));
      for (let i = 0; i < 300; i++) values.push(BigInt(Math.floor(Math.random() * 4e9) - 1e9) * NS + BigInt(Math.floor(Math.random() * 1e9)));
      for (const ns of values) {
        futimesSync(fd, utimeArg(ns), utimeArg(ns));
        expectCopyTime(fstatSync(fd, { bigint: true }).mtimeNs, ns, String(ns));
      }
    } finally {
      closeSync(fd);
    }
  });

  for (const t of TIMES) {
    it(`keep ${t} s on files (small and large), a symlink and a directory, and a re-run rewrites nothing`, async () => {
      const src = `${dir}/src ${t}`;
      mkdirSync(`${src}/sub`, { recursive: true });
      writeFileSync(`${src}/small`, 'x\n');
      writeFileSync(`${src}/large`, Buffer.alloc(SMALL * 2, 1));
      symlinkSync('small', `${src}/link`);
      for (const name of ['small', 'large', 'link', 'sub', '.']) {
        const r = spawnSync('touch', ['-h', '-d', `@${t}`, `${src}/${name}`], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      const before = new Map(['small', 'large', 'link', 'sub', '.'].map((n) => [n, lstatSync(`${src}/${n}`, { bigint: true })]));
      const dst = `${dir}/dst ${t}`;
      const summary = await copy({ src, dst });
      expect(summary.failed).toBe(0);
      for (const [name, s] of before) {
        const d = lstatSync(`${dst}/${name}`, { bigint: true });
        expectCopyTime(d.mtimeNs, s.mtimeNs, `${name} mtime`);
        expectCopyTime(d.atimeNs, s.atimeNs, `${name} atime`);
      }
      const records: CopyRecord[] = [];
      await copy({ src, dst, onRecord: (r) => records.push(r) });
      expect(records.filter((r) => r.action !== 'skip').map((r) => `${r.path} ${r.action}`)).toEqual([]);
    });
  }
});
