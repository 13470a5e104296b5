/**
 * A small tree for -i/-v tests, and each way SRC can change after a copy: `ITEMIZED` is what `fanout copy -i` (and
 * `rsync -ai`) print for those changes. Times are whole, distinct seconds, as rsync's quick check sees them.
 */
import { chmodSync, lutimesSync, mkdirSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';

export const T0 = 1_600_000_000;

export function makeTree(root: string): void {
  mkdirSync(`${root}/sub`, { recursive: true });
  mkdirSync(`${root}/zz`);
  for (const [name, text] of [['a', 'hello\n'], ['b', 'world\n'], ['c', 'mode\n'], ['d', 'grows\n'], ['sub/s', 'in sub\n'], ['zz/q', 'q\n']]) {
    writeFileSync(`${root}/${name}`, text);
  }
  symlinkSync('a', `${root}/l`);
  for (const rel of ['a', 'b', 'c', 'd', 'sub/s', 'zz/q', 'sub', 'zz', '.']) utimesSync(`${root}/${rel}`, T0, T0);
  lutimesSync(`${root}/l`, T0, T0);
}

export function changeTree(root: string): void {
  utimesSync(`${root}/a`, T0 + 10, T0 + 10);
  writeFileSync(`${root}/b`, 'WORLD\n');
  utimesSync(`${root}/b`, T0 + 20, T0 + 20);
  chmodSync(`${root}/c`, 0o600);
  writeFileSync(`${root}/d`, 'grows longer\n');
  utimesSync(`${root}/d`, T0 + 30, T0 + 30);
  unlinkSync(`${root}/l`);
  symlinkSync('b', `${root}/l`);
  lutimesSync(`${root}/l`, T0 + 40, T0 + 40);
  writeFileSync(`${root}/sub/new`, 'new\n');
  utimesSync(`${root}/sub/new`, T0, T0);
  utimesSync(`${root}/sub`, T0 + 50, T0 + 50);
  utimesSync(root, T0 + 60, T0 + 60);
}

export const ITEMIZED = [
  '.d..t...... ./',
  '>f..t...... a',
  '>f..t...... b',
  '.f...p..... c',
  '>f.st...... d',
  'cLc.t...... l',
  '.d..t...... sub/',
  '>f+++++++++ sub/new',
];
