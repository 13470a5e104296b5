import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../src/util/make-dirs.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fanout-mkdirs-'));
  dirs.push(d);
  return d;
};

describe('makeDirs', () => {
  it('makes nested folders, says which it made, and accepts a folder that exists', () => {
    const root = temp();
    const made: string[] = [];
    makeDirs(join(root, 'a', 'b', 'c'), 0o777, made);
    makeDirs(join(root, 'a', 'b'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(made).toEqual([join(root, 'a'), join(root, 'a', 'b'), join(root, 'a', 'b', 'c')]);
  });

  it('fails with ENOTDIR on a file in the way', () => {
    const root = temp();
    writeFileSync(join(root, 'f'), 'x');
    expect(() => makeDirs(join(root, 'f'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirs(join(root, 'f', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.skipIf(!existsSync('/proc/self'))('fails where a folder cannot be made under one that exists (/proc), instead of spinning', () => {
    expect(() => makeDirs('/proc/fanout-nope/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
