/** Test helpers: a full description of a tree, and an entry-by-entry comparison of two trees. */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { expect } from 'vitest';

export interface EntrySnapshot {
  type: string;
  size: bigint;
  mode: bigint;
  uid: bigint;
  gid: bigint;
  mtimeNs: bigint;
  atimeNs: bigint;
  blocks: bigint;
  ino: bigint;
  hash?: string;
  target?: string;
}

export function snapshot(root: string): Map<string, EntrySnapshot> {
  const out = new Map<string, EntrySnapshot>();
  const visit = (rel: string) => {
    const abs = rel ? `${root}/${rel}` : root;
    const s = lstatSync(abs, { bigint: true });
    const type = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : s.isFIFO() ? 'fifo' : 'other';
    const e: EntrySnapshot = {
      type, size: s.isDirectory() ? 0n : s.size, mode: s.mode, uid: s.uid, gid: s.gid, mtimeNs: s.mtimeNs, atimeNs: s.atimeNs,
      blocks: s.blocks, ino: s.ino,
    };
    if (s.isFile()) e.hash = createHash('sha256').update(readFileSync(abs)).digest('hex');
    if (s.isSymbolicLink()) e.target = readlinkSync(abs, { encoding: 'buffer' }).toString('hex');
    out.set(rel || '.', e);
    if (s.isDirectory()) for (const n of readdirSync(abs)) visit(rel ? `${rel}/${n}` : n);
  };
  visit('');
  return out;
}

/** DST must hold exactly SRC's entries, with the same data, metadata (times to 1 us) and hard-link groups. */
export function expectSameTree(src: string, dst: string, options: { atime?: boolean } = {}): void {
  const a = snapshot(src);
  const b = snapshot(dst);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  const groupsA = new Map<bigint, string[]>();
  const groupsB = new Map<bigint, string[]>();
  for (const [rel, x] of a) {
    const y = b.get(rel)!;
    const where = `entry ${JSON.stringify(rel)}`;
    expect({ type: y.type, size: y.size, mode: y.mode.toString(8), uid: y.uid, gid: y.gid, hash: y.hash, target: y.target }, where).toEqual({
      type: x.type, size: x.size, mode: x.mode.toString(8), uid: x.uid, gid: x.gid, hash: x.hash, target: x.target,
    });
    expect(abs(y.mtimeNs - x.mtimeNs) < 1000n, `${where}: mtime ${y.mtimeNs} vs ${x.mtimeNs}`).toBe(true);
    if (options.atime !== false) expect(abs(y.atimeNs - x.atimeNs) < 1000n, `${where}: atime ${y.atimeNs} vs ${x.atimeNs}`).toBe(true);
    if (x.type === 'file') {
      push(groupsA, x.ino, rel);
      push(groupsB, y.ino, rel);
    }
  }
  const norm = (g: Map<bigint, string[]>) => [...g.values()].map((l) => l.sort().join('|')).sort();
  expect(norm(groupsB)).toEqual(norm(groupsA));
}

function push(m: Map<bigint, string[]>, k: bigint, v: string): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

export function tempNames(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.fanout-tmp-')) found.push(`${dir}/${e.name}`);
      if (e.isDirectory()) visit(`${dir}/${e.name}`);
    }
  };
  visit(root);
  return found;
}

/** Reading a file may move its atime (relatime): "nothing was written" compares everything else. */
export function withoutAtimes(m: Map<string, EntrySnapshot>): Map<string, Omit<EntrySnapshot, 'atimeNs'>> {
  return new Map([...m].map(([k, { atimeNs: _, ...rest }]) => [k, rest]));
}
