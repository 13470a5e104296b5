import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { closeSync, mkdtempSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorsAvailable, at, openDirAt, openRoot, procBase } from '../../src/util/dir-anchor.js';

describe('dir-anchor', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fanout anchor '));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is available on this Linux system', () => {
    expect(anchorsAvailable()).toBe(true);
  });

  it('keeps writing into the directory it opened after its path is swapped for a symlink', () => {
    mkdirSync(join(root, 'd'));
    mkdirSync(join(root, 'victim'));
    const fd = openRoot(join(root, 'd'));
    try {
      renameSync(join(root, 'd'), join(root, 'moved'));
      symlinkSync(join(root, 'victim'), join(root, 'd'));
      writeFileSync(at(fd, 'f'), 'x');
      expect(readdirSync(join(root, 'victim'))).toEqual([]);
      expect(readdirSync(join(root, 'moved'))).toEqual(['f']);
    } finally {
      closeSync(fd);
    }
  });

  it('refuses to open a symlink as a child directory', () => {
    mkdirSync(join(root, 'victim'));
    symlinkSync(join(root, 'victim'), join(root, 'link'));
    const fd = openRoot(root);
    try {
      expect(() => openDirAt(fd, 'link')).toThrow(/ENOTDIR|ELOOP/);
    } finally {
      closeSync(fd);
    }
  });

  it('rejects names that are not one plain component', () => {
    for (const bad of ['..', '.', 'a/b', '', 'a\0b']) expect(() => at(3, bad)).toThrow(/single path component/);
    expect(at(3, Buffer.from([0x66, 0xff]))).toEqual(Buffer.from(`${procBase()}/fd/3/f\xff`, 'latin1'));
  });
});
