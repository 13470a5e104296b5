import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { whileSwapping } from '../../../fixtures/symlink-swapper.js';

const DIRS = 30;
const FILES = 100; // 3,000 files
const SECRET = 'SECRET-BYTES';

let base: string;
beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout symlink race `);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Every regular file under `dir`, never through a symlink. */
function regularFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = `${dir}/${n}`;
    const s = lstatSync(p);
    if (s.isDirectory()) regularFiles(p, out);
    else if (s.isFile()) out.push(p);
  }
  return out;
}

describe('copy under a symlink-swapping attacker', () => {
  it('writes nothing outside DST and reads nothing outside SRC while directories and files are swapped for symlinks', async () => {
    const src = `${base}/src`;
    const dst = `${base}/dst`;
    const victim = `${base}/victim`;
    const secret = `${base}/secret`;
    mkdirSync(victim);
    mkdirSync(secret);
    for (let f = 0; f < FILES; f++) writeFileSync(`${secret}/f${f}`, f % 10 === 0 ? SECRET.repeat(8000) : SECRET);
    for (let d = 0; d < DIRS; d++) {
      mkdirSync(`${src}/d${d}`, { recursive: true });
      // every tenth file is 96 KiB: the read/write loop's route, not only the small files'
      for (let f = 0; f < FILES; f++) writeFileSync(`${src}/d${d}/f${f}`, f % 10 === 0 ? Buffer.alloc(96 << 10, 0x61) : `file ${d}/${f}\n`);
    }
    const ready = `${base}/ready`;
    const summary = await whileSwapping(DIRS, FILES, { dst, victim, src, secret, ready }, () => copy({ src, dst, mode: 'threads', workers: 2, batchSize: 16 }));
    expect(summary.entries).toBeGreaterThan(0);
    expect(readdirSync(victim), 'files written through a symlink into the victim folder').toEqual([]);
    const leaked = regularFiles(dst).filter((p) => readFileSync(p, 'latin1').includes(SECRET));
    expect(leaked, 'DST files holding bytes read through a symlink out of SRC').toEqual([]);
  }, 120_000);
});

