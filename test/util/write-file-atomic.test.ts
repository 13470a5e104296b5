import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/write-file-atomic.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fanout write atomic '));
  dirs.push(d);
  return d;
};

describe('writeFileAtomic', () => {
  it('replaces a file with the whole new contents and leaves no temp file beside it', () => {
    const dir = temp();
    const file = join(dir, 'report.json');
    writeFileSync(file, 'old');
    writeFileAtomic(file, 'new contents\n');
    expect(readFileSync(file, 'utf8')).toBe('new contents\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('throws when the rename fails and removes its temp file', () => {
    const dir = temp();
    const file = join(dir, 'taken');
    mkdirSync(join(file, 'child'), { recursive: true }); // a non-empty folder: rename(2) over it fails
    expect(() => writeFileAtomic(file, 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
