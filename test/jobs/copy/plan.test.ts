import { lstatSync, mkdtempSync, rmSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { processIdentity } from '../../../src/jobs/copy/metadata.js';
import { verdict } from '../../../src/jobs/copy/plan.js';

const dir = mkdtempSync(`${tmpdir()}/fanout-plan-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const id = processIdentity();
const quick = { force: false, checksum: false };

/** A file of `data` with mtime `s` seconds (a string keeps every digit). */
function file(name: string, data: string, s: string): Stats {
  writeFileSync(`${dir}/${name}`, data);
  utimesSync(`${dir}/${name}`, s, s);
  return lstatSync(`${dir}/${name}`);
}

describe('the quick check', () => {
  it('skips a file whose destination keeps only whole seconds of the same mtime (as rsync does)', () => {
    const src = file('src', 'same\n', '1700000000.123456');
    expect(verdict(src, file('whole-second', 'same\n', '1700000000'), id, quick)).toBe('skip');
    expect(verdict(src, file('next-second', 'same\n', '1700000001'), id, quick)).toBe('create');
    expect(verdict(src, file('other-fraction', 'same\n', '1700000000.5'), id, quick)).toBe('create');
    expect(verdict(src, file('longer', 'longer\n', '1700000000'), id, quick)).toBe('create');
  });

  it('matches a pre-1970 mtime kept as whole seconds to its own second', () => {
    const src = file('old', 'x', '-1.5');
    expect(verdict(src, file('old-whole', 'x', '-2'), id, quick)).toBe('skip');
    expect(verdict(src, file('old-other', 'x', '-1'), id, quick)).toBe('create');
  });
});
