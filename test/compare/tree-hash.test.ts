import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashTree } from '../../src/compare/tree-hash.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tree(): string {
  dir = mkdtempSync(join(tmpdir(), 'fanout-treehash-'));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha');
  writeFileSync(join(src, 'sub', 'b.bin'), Buffer.alloc(70_000, 7));
  symlinkSync('../a.txt', join(src, 'sub', 'link'));
  return src;
}

describe('tree hash', () => {
  // Two runs of one copier must agree. (Copy vs source is not compared: Node's cpSync rounds mtimes to the
  // millisecond, so its copies differ from the source in the hash's last millisecond digit.)
  it('gives two copies made the same way the same hash, wherever they are', async () => {
    const src = tree();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    for (const copy of [a, b]) cpSync(src, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    expect(await hashTree(a)).toBe(await hashTree(b));
  });

  it('changes when a file is missing, its content, mode or mtime differs, or a link points elsewhere', async () => {
    const src = tree();
    const reference = join(dir, 'reference');
    cpSync(src, reference, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    const base = await hashTree(reference);
    const variants: [string, (copy: string) => void][] = [
      ['missing file', (c) => rmSync(join(c, 'a.txt'))],
      ['content', (c) => writeFileSync(join(c, 'sub', 'b.bin'), Buffer.alloc(70_000, 8))],
      ['mode', (c) => chmodSync(join(c, 'a.txt'), 0o600)],
      ['mtime', (c) => utimesSync(join(c, 'a.txt'), 1_000_000, 1_000_000)],
      ['link target', (c) => (rmSync(join(c, 'sub', 'link')), symlinkSync('/etc/passwd', join(c, 'sub', 'link')))],
    ];
    for (const [name, change] of variants) {
      const copy = join(dir, name.replace(' ', '-'));
      cpSync(src, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      change(copy);
      expect(await hashTree(copy), name).not.toBe(base);
    }
  });
});
