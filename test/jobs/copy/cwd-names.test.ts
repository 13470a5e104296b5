/**
 * In `procs` mode a worker process works in each batch's destination folder (entered through the folder's anchor)
 * and names entries there as `./name` (dir-ref.ts, DirRef.fromCwd). One cwd serves every batch of the process, so
 * these tests make batches of many folders interleave, with large files copied asynchronously between them, swap
 * folders for symlinks while the copy runs, and check what an error message names.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, type CopyRecord } from '../../../src/jobs/copy/copy.js';
import { whileSwapping } from '../../../fixtures/symlink-swapper.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(`${tmpdir()}/fanout cwd names `);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Every entry under `dir` (relative path -> contents, or 'dir'), never through a symlink. */
function tree(dir: string, rel = '', out = new Map<string, string>()): Map<string, string> {
  for (const n of readdirSync(`${dir}/${rel}`)) {
    const r = rel ? `${rel}/${n}` : n;
    const s = lstatSync(`${dir}/${r}`);
    if (s.isDirectory()) {
      out.set(r, 'dir');
      tree(dir, r, out);
    } else out.set(r, s.isFile() ? readFileSync(`${dir}/${r}`, 'latin1') : 'other');
  }
  return out;
}

describe('copy --procs, each batch working in its own destination folder', () => {
  it('puts every file in its own folder when batches of many folders interleave with large files copied asynchronously', async () => {
    const src = `${base}/interleave-src`;
    const dst = `${base}/interleave-dst`;
    for (let d = 0; d < 24; d++) {
      const dir = `${src}/d${d % 6}/e${d}`;
      mkdirSync(dir, { recursive: true });
      // sorted first in its folder, 1.5 MiB: copied asynchronously, so the batch yields and others run meanwhile
      writeFileSync(`${dir}/a-large`, Buffer.alloc(3 << 19, 0x41 + d));
      for (let f = 0; f < 10; f++) writeFileSync(`${dir}/f${f}`, `${d}/${f}\n`);
    }
    const records: CopyRecord[] = [];
    const summary = await copy({ src, dst, mode: 'procs', workers: 2, batchSize: 3, onRecord: (r) => records.push(r) });
    expect(records.filter((r) => !r.ok)).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(tree(dst)).toEqual(tree(src));
  }, 120_000);

  it('writes nothing outside DST and reads nothing outside SRC while folders are swapped for symlinks', async () => {
    const src = `${base}/race-src`;
    const dst = `${base}/race-dst`;
    const victim = `${base}/race-victim`;
    const secret = `${base}/race-secret`;
    mkdirSync(victim);
    mkdirSync(secret);
    for (let f = 0; f < 60; f++) writeFileSync(`${secret}/f${f}`, 'SECRET-BYTES');
    for (let d = 0; d < 30; d++) {
      mkdirSync(`${src}/d${d}`, { recursive: true });
      for (let f = 0; f < 60; f++) writeFileSync(`${src}/d${d}/f${f}`, `file ${d}/${f}\n`);
    }
    const ready = `${base}/race-ready`;
    const summary = await whileSwapping(30, 60, { dst, victim, src, secret, ready }, () => copy({ src, dst, mode: 'procs', workers: 2, batchSize: 8 }));
    expect(summary.entries).toBeGreaterThan(0);
    expect(readdirSync(victim), 'files written through a symlink into the victim folder').toEqual([]);
    const leaked = [...tree(dst)].filter(([, body]) => body.includes('SECRET-BYTES'));
    expect(leaked, 'DST files holding bytes read through a symlink out of SRC').toEqual([]);
  }, 120_000);

  it("names the destination's path in an error message, never ./name", async () => {
    const src = `${base}/message-src`;
    const dst = `${base}/message-dst`;
    mkdirSync(`${src}/sub`, { recursive: true });
    writeFileSync(`${src}/sub/clash`, 'a file in SRC\n');
    mkdirSync(`${dst}/sub/clash`, { recursive: true });
    writeFileSync(`${dst}/sub/clash/inside`, 'keeps the folder non-empty\n');
    const records: CopyRecord[] = [];
    await copy({ src, dst, mode: 'procs', workers: 2, onRecord: (r) => records.push(r) });
    const failed = records.find((r) => !r.ok);
    expect(failed?.error?.code).toBe('TYPE_CONFLICT');
    expect(failed?.error?.message).toContain(`${dst}/sub/clash: a non-empty directory`);
    expect(failed?.error?.message).not.toMatch(/(^|')\.\/|\/proc\//);
  }, 60_000);
});

